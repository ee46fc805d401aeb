export * from './capabilities';
export * from './account.decider';
export * from './staff-member.decider';
export * from './login-email.decider';
export * from './client-login.decider';
