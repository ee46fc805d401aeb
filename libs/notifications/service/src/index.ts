export * from './notifications.module';
export * from './notifications.deps';
export * from './mail/mail.port';
export * from './mail/counted-sender';
export * from './mail/dev-mailbox';
export * from './mail/sendgrid-sender';
