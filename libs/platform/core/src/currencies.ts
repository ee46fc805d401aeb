/**
 * ISO 4217 codes of the currencies in circulation (list one of the standard, as maintained by SIX,
 * 2025): what a price may be in. Not the codes that are no money one can charge: XXX (no
 * currency), XTS (testing), the precious metals (XAU, XAG, XPD, XPT), the bond-market and SDR units
 * (XBA-XBD, XDR, XSU, XUA) and the fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW); nor
 * withdrawn ones (HRK, CUC, ...). A list of our own rather than Intl.supportedValuesOf('currency'),
 * which changes with the ICU that Node ships and still lists XDR, XSU and withdrawn codes.
 */
export const CURRENCIES: readonly string[] = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
  'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
  'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
  'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD ' +
  'XCG XOF XPF YER ZAR ZMW ZWG'
).split(' ');

const IN_USE = new Set(CURRENCIES);

export function isCurrencyInUse(code: unknown): boolean {
  return typeof code === 'string' && IN_USE.has(code);
}

/** The field error for a currency that is not one, as the end of a sentence starting with the field's name. */
export const CURRENCY_PROBLEM = 'must be the ISO 4217 code of a currency in use, such as EUR, USD or GBP (not XXX or another code that is no money)';
