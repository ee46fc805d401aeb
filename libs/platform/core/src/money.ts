/**
 * An amount of money in integer minor units (cents) of an ISO 4217 currency, as it travels on the
 * wire (api.md: `{ "amount": <integer minor units>, "currency": "EUR" }`). One definition for every
 * service, its contracts and the gateway.
 */
export interface Money {
  amount: number;
  currency: string;
}
