// The one launcher every zab command's bin file calls. Bins are committed launchers rather than
// the compiled files themselves: npm links a workspace's bins during `npm install`, before
// `prepare` has compiled dist/, and a bin whose file does not exist yet is not linked at all. The
// launcher always exists; it runs the compiled command, or says how to build it.
// Plain JavaScript (not compiled) for the same reason.

/**
 * Runs the compiled command at `compiled` (a file URL). If that file does not exist yet, prints
 * how to build it and exits 1; any other error propagates unchanged.
 * @param {string} name the command's name, for the message
 * @param {URL} compiled the compiled entry point
 */
export async function launch(name, compiled) {
  try {
    await import(compiled.href);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes(compiled.pathname)) throw e;
    console.error(`${name}: zab is not built yet; run \`npm install\` (or \`npm run build\`) in the repository first`);
    process.exit(1);
  }
}
