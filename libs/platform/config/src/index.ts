export * from './config';
export * from './private-files';
export * from './crash-points';
export * from './wal-sync';
export * from './fsync-thread';
