import { ClientsErrors } from '@clientele/clients/contracts';
import { AppError, ClientType, ErrorCodes, FieldError, isClientType } from '@clientele/platform/core';
import type { ClientContact } from './client.events';

/** What a new client is made of, however they arrive (added by hand, by a purchase, by an import). */
export interface NewClientInput {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string | null;
  type: ClientType;
  sendInvitation?: boolean;
}

export interface ValidNewClient {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  type: ClientType;
  sendInvitation: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+0-9 ().\-/]{3,40}$/;

/**
 * The rules api.md gives for a new client. Offline clients never get a login, so asking to send
 * them login details is refused with `offline_no_login` rather than silently ignored.
 */
export function validateNewClient(input: NewClientInput): ValidNewClient {
  const errors: FieldError[] = [];
  const text = (field: 'firstName' | 'lastName', max: number) => {
    const value = typeof input[field] === 'string' ? input[field].trim() : '';
    if (value.length === 0) errors.push({ field, message: 'is required' });
    else if (value.length > max) errors.push({ field, message: `must be at most ${max} characters` });
    return value;
  };
  const firstName = text('firstName', 100);
  const lastName = text('lastName', 100);
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  if (!EMAIL.test(email) || email.length > 254) errors.push({ field: 'email', message: 'must be an e-mail address' });
  const phone = typeof input.phone === 'string' && input.phone.trim() !== '' ? input.phone.trim() : null;
  if (phone !== null && !PHONE.test(phone)) errors.push({ field: 'phone', message: 'must be a phone number' });
  if (!isClientType(input.type)) errors.push({ field: 'type', message: 'must be one of full_access, full_access_one_way, offline' });
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some fields of the client are missing or not valid.', errors);

  if (input.type === 'offline' && input.sendInvitation === true) {
    throw ClientsErrors.offlineNoInvitation();
  }
  return { firstName, lastName, email, phone, type: input.type, sendInvitation: input.sendInvitation ?? input.type !== 'offline' };
}

/** Contact edits: only the fields given, each with the same rules as for a new client; phone may be cleared with null. */
export function validateContactChanges(changes: Partial<ClientContact>): Partial<ClientContact> {
  const errors: FieldError[] = [];
  const valid: Partial<ClientContact> = {};
  for (const field of ['firstName', 'lastName'] as const) {
    if (changes[field] === undefined) continue;
    const value = typeof changes[field] === 'string' ? changes[field]!.trim() : '';
    if (value.length === 0 || value.length > 100) errors.push({ field, message: 'must be 1 to 100 characters' });
    else valid[field] = value;
  }
  if (changes.email !== undefined) {
    const email = typeof changes.email === 'string' ? changes.email.trim() : '';
    if (!EMAIL.test(email) || email.length > 254) errors.push({ field: 'email', message: 'must be an e-mail address' });
    else valid.email = email;
  }
  if (changes.phone !== undefined) {
    const phone = typeof changes.phone === 'string' && changes.phone.trim() !== '' ? changes.phone.trim() : null;
    if (phone !== null && !PHONE.test(phone)) errors.push({ field: 'phone', message: 'must be a phone number' });
    else valid.phone = phone;
  }
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some contact details are not valid.', errors);
  return valid;
}
