// @zab/security: the parts of ZooKeeper's security that do not need a running server. See
// README.md for the API and the ZooKeeper settings each part serves.

export { JaasSyntaxError, SaslError, SettingError, StoreError } from './errors.js';
export {
  keyEntryPem,
  type KeyEntry,
  type KeyMaterial,
  keyMaterialOf,
  loadKeyStore,
  loadTrustStore,
  storePassword,
  type StoreSettings,
  type StoreType,
  storeTypeOf,
  type TrustMaterial,
  trustMaterialOf,
} from './stores.js';
export { knownJavaCipherSuites, openSslCiphers, ZOOKEEPER_DEFAULT_CIPHERSUITES } from './ciphers.js';
export { certReloadSetting, type ClientAuth, readTlsSettings, TLS_SETTING_NAMES, type TlsSettings } from './tls-settings.js';
export { createTlsContext, type TlsContext, type TlsRole } from './tls-context.js';
export { ReloadingTlsContext, type TlsReloadEvents } from './tls-reload.js';
export { rfc2253NameOf, x509AuthIds, x509ClientId } from './x509-identity.js';
export { type ControlFlag, type JaasConfig, JAAS_SECTIONS, loadJaas, type LoginModuleEntry, parseJaas } from './jaas.js';
export {
  DIGEST_LOGIN_MODULE,
  digestCredentials,
  digestUsers,
  KRB5_LOGIN_MODULE,
  type Krb5Options,
  krb5Options,
  sectionOf,
} from './jaas-zookeeper.js';
export { jvmFlagsFromEnv, type JvmFlags, jvmPropertiesToSettings, parseJvmFlags, shellWords, zooCfgKeyOf } from './jvm-flags.js';
export { JVM_PROPERTY_KEYS, type JvmPropertyKey } from './jvm-properties.js';
export { DigestMd5Server, type DigestMd5ServerOptions, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from './digest-md5-server.js';
export { DigestMd5Client, type DigestMd5ClientOptions } from './digest-md5-client.js';
export { parseKerberosName, type SaslIdOptions, zookeeperSaslId } from './sasl-id.js';
