// TLS and SASL for zkcli's session, from its flags or from where zkCli.sh users already keep
// them: -D settings in CLIENT_JVMFLAGS or JVMFLAGS (zookeeper.client.secure, zookeeper.ssl.*
// key and trust stores in PEM, PKCS12 or JKS, java.security.auth.login.config with a Client
// section). Flags win over the environment.
import { readFile } from 'node:fs/promises';
import { type ClientOptions, pemTls } from '@zab/client';
import { createTlsContext, digestCredentials, loadJaas, parseJvmFlags, readTlsSettings } from '@zab/security';
import { UsageError } from './errors.js';

/** The security options as given; files are read when the session opens. */
export interface SecuritySettings {
  tls: boolean;
  pem: { ca?: string; cert?: string; key?: string };
  /** From --sasl user:password. */
  sasl?: { username: string; password: string };
  /** The -D properties of CLIENT_JVMFLAGS and JVMFLAGS. */
  properties: ReadonlyMap<string, string>;
}

export function securitySettings(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): SecuritySettings {
  const str = (k: string) => (typeof argv[k] === 'string' ? (argv[k] as string) : undefined);
  let sasl: SecuritySettings['sasl'];
  const s = str('sasl');
  if (s !== undefined) {
    const colon = s.indexOf(':');
    if (colon <= 0) throw new UsageError(`--sasl must be user:password, not ${s}`);
    sasl = { username: s.slice(0, colon), password: s.slice(colon + 1) };
  }
  let properties: ReadonlyMap<string, string>;
  try {
    properties = parseJvmFlags([
      { name: 'CLIENT_JVMFLAGS', value: env['CLIENT_JVMFLAGS'] },
      { name: 'JVMFLAGS', value: env['JVMFLAGS'] },
    ]).properties;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { tls: argv['tls'] === true, pem: { ca: str('tls-ca'), cert: str('tls-cert'), key: str('tls-key') }, sasl, properties };
}

/** The client options these settings give: TLS from PEM files or ZooKeeper's store settings, SASL from --sasl or the JAAS Client section. */
export async function securityOptions(s: SecuritySettings): Promise<Pick<ClientOptions, 'tls' | 'sasl'>> {
  const props = s.properties;
  const pemGiven = s.pem.ca !== undefined || s.pem.cert !== undefined || s.pem.key !== undefined;
  const secure = s.tls || pemGiven || props.get('zookeeper.client.secure') === 'true';
  let tls: ClientOptions['tls'];
  if (pemGiven) {
    const read = (f: string | undefined) => (f === undefined ? undefined : readFile(f));
    const [ca, cert, key] = await Promise.all([read(s.pem.ca), read(s.pem.cert), read(s.pem.key)]);
    tls = pemTls({ ca, cert, key });
  } else if (secure) {
    const ssl = new Map([...props].filter(([k]) => k.startsWith('zookeeper.ssl.')).map(([k, v]) => [k.slice('zookeeper.'.length), v]));
    tls = await createTlsContext(readTlsSettings(ssl, 'ssl.'), 'client');
  }
  let sasl = s.sasl;
  const jaasFile = props.get('java.security.auth.login.config');
  if (!sasl && jaasFile && props.get('zookeeper.sasl.client') !== 'false') {
    const jaas = await loadJaas(jaasFile, (name) => props.get(name));
    const section = props.get('zookeeper.sasl.clientconfig') ?? 'Client';
    // As ZooKeeper's client: a JAAS file without the Client section means no SASL.
    if (jaas.sections.has(section)) sasl = digestCredentials(jaas, section);
  }
  return { tls, sasl };
}
