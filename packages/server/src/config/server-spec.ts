import type { Entry } from './properties.js';
import { bad, port } from './values.js';

/** One `server.N=` line. */
export interface ServerSpec {
  readonly id: number;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly role: 'participant' | 'observer';
  readonly clientHost?: string;
  readonly clientPort?: number;
}

/** Parses one server.N value: host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]. */
export function parseServerSpec(e: Entry, id: number): ServerSpec {
  const [serverPart, clientPart] = e.value.trim().split(';', 2) as [string, string | undefined];
  const parts = splitHostPorts(serverPart);
  if (parts.length < 3 || parts.length > 4) bad(e, 'must be host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]');
  const [host, qp, ep, roleText] = parts as [string, string, string, string | undefined];
  const quorumPort = port({ ...e, key: `${e.key} quorum port`, value: qp });
  const electionPort = port({ ...e, key: `${e.key} election port`, value: ep });
  let role: ServerSpec['role'] = 'participant';
  if (roleText !== undefined) {
    if (roleText !== 'participant' && roleText !== 'observer') bad(e, 'role must be participant or observer');
    role = roleText;
  }
  let clientHost: string | undefined;
  let clientPort: number | undefined;
  if (clientPart !== undefined && clientPart.trim() !== '') {
    const cp = splitHostPorts(clientPart.trim());
    if (cp.length === 1) clientPort = port({ ...e, key: `${e.key} client port`, value: cp[0]! });
    else if (cp.length === 2) {
      clientHost = cp[0];
      clientPort = port({ ...e, key: `${e.key} client port`, value: cp[1]! });
    } else bad(e, 'client part must be [clientHost:]clientPort');
  }
  if (!host) bad(e, 'has no host');
  return Object.freeze({ id, host, quorumPort, electionPort, role, clientHost, clientPort });
}

/** Splits host:port:... keeping a bracketed IPv6 host whole. */
function splitHostPorts(s: string): string[] {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return [s];
    const rest = s.slice(end + 1);
    return [s.slice(1, end), ...(rest.startsWith(':') ? rest.slice(1).split(':') : [])];
  }
  return s.split(':');
}
