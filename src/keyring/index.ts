export { FileKeyring, loadOrCreateRootKey } from './file-keyring.ts';
