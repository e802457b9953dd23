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
