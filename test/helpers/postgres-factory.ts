export { postgresStoreFactory as postgresFactory } from './postgres.js';
