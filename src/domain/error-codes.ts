/**
 * Every machine-readable error code of the API, with its HTTP status and meaning: the
 * top-level `code` of a problem (RFC 9457 problem+json) and the `errors[].code` of a
 * field error. Clients branch on these codes, never on `title` or `detail` text. A code
 * once published keeps its meaning; docs/integrators.md documents each one (a test checks
 * both directions). The types below admit no code that is not listed here.
 */

export const PROBLEM_CODES = {
  bad_request: { status: 400, meaning: 'The request is malformed in a way no field explains: an empty body sent as application/json, a Content-Length that does not match, a URL that is not valid UTF-8.' },
  invalid_json: { status: 400, meaning: 'The body is not valid JSON.' },
  unauthorized: { status: 401, meaning: 'No API key, or a key that does not exist (or a missing metrics token).' },
  key_expired: { status: 401, meaning: 'The API key has expired (after a rotation its overlap is over): use the new key.' },
  key_revoked: { status: 401, meaning: 'The API key was revoked.' },
  wrong_role: { status: 403, meaning: 'The key works, but its role may not use this route (an integrator key on an admin route, say).' },
  out_of_scope: { status: 403, meaning: 'The organisation, region or sector asked for is outside the key\'s scope.' },
  not_found: { status: 404, meaning: 'No such receipt or region, or it belongs to another integrator.' },
  no_such_route: { status: 404, meaning: 'No route has this method and path.' },
  unknown_link: { status: 404, meaning: 'No invitation has this questionnaire token.' },
  receipt_conflict: { status: 409, meaning: 'This externalId was already used for a receipt with different content.' },
  not_long_service: { status: 409, meaning: 'Only a long service has an end; this receipt is for a one-time service.' },
  receipt_cancelled: { status: 409, meaning: 'The receipt was withdrawn; its service can no longer end.' },
  already_answered: { status: 409, meaning: 'This round of the questionnaire has already been answered.' },
  link_not_active: { status: 409, meaning: 'The questionnaire link is not open yet.' },
  link_closed: { status: 410, meaning: 'The questionnaire link is closed.' },
  link_withdrawn: { status: 410, meaning: 'The receipt behind the link was withdrawn.' },
  uri_too_long: { status: 414, meaning: 'A path segment is longer than any valid one (over 100 characters).' },
  payload_too_large: { status: 413, meaning: 'The body is larger than the route accepts.' },
  unsupported_media_type: { status: 415, meaning: 'The body\'s Content-Type is not one the route reads (send application/json).' },
  validation_failed: { status: 422, meaning: 'The request is well-formed but breaks a rule: each broken rule is in `errors[]` with its own code.' },
  rate_limited: { status: 429, meaning: 'Too many requests from this address; wait as long as Retry-After says.' },
  internal_error: { status: 500, meaning: 'An error on our side; the request may be repeated (posting a receipt again is safe).' },
  database_unavailable: { status: 503, meaning: 'The database cannot be reached; repeat the request after Retry-After seconds.' },
  workflow_unreachable: { status: 503, meaning: 'The change is stored but Temporal could not be told (or a run could not start); repeat the request after Retry-After seconds.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;
export type ProblemStatus = (typeof PROBLEM_CODES)[ProblemCode]['status'];

/** Field errors: `errors[].code`, beside a `path` into the request and a `message` that never repeats the value. */
export const FIELD_ERROR_CODES = {
  required: 'A required field is missing or empty.',
  invalid_type: 'The value has the wrong JSON type (a number where text is expected, say).',
  invalid_value: 'The value is not one of those allowed (an enumeration or a discriminator such as service.kind).',
  invalid_format: 'The text does not have the required form (a period like 2026-Q1, a UUID, a code).',
  invalid_date: 'Not a real calendar date written YYYY-MM-DD.',
  invalid_email: 'Not an e-mail address.',
  invalid_snils: 'Not a SNILS: 11 digits (XXX-XXX-XXX YY or bare) with a matching control number.',
  unstorable_text: 'The text holds NUL characters, unpaired surrogates or bytes that are not UTF-8.',
  unknown_field: 'A field this request does not have (objects are strict).',
  too_short: 'The text is shorter than allowed.',
  too_long: 'The text is longer than allowed.',
  too_few: 'The list has fewer items than allowed.',
  too_many: 'The list has more items than allowed.',
  out_of_range: 'A number, or a range of quarters, outside the allowed bounds.',
  future_date: 'The date is after today (Moscow time).',
  too_early: 'The date is before the earliest one allowed (birth dates from 1900-01-01).',
  after_service_date: 'The recipient\'s birth date is after the service date.',
  end_before_start: 'The end of the service is before its start.',
  representative_required: 'A recipient under 18 on the service date needs a legal representative.',
  representative_minor: 'A legal representative must be an adult on the service date.',
  duplicate_snils: 'The same SNILS appears twice among the recipient and the representatives.',
  duplicate_portal_account: 'The same portalAccountId is given for two accounts (twice in the request, or another account has it already).',
  unknown_organization: 'No organisation has this code.',
  organization_type_not_in_region: 'The organisation\'s type does not take part in its region.',
  organization_out_of_scope: 'The organisation is outside the key\'s scope.',
  organization_deactivated: 'The organisation was deactivated: it takes no new receipts (those stored before stay).',
  duplicate_organization: 'The same organisation code is on two rows of one import file.',
  external_id_conflict: 'This externalId was already used for a receipt with different content.',
  unknown_region: 'No region has this code.',
  unknown_sector: 'No sector has this code.',
  unknown_organization_type: 'No organisation type has this code.',
  period_not_finished: 'The quarter has not ended yet.',
} as const satisfies Record<string, string>;

export type FieldErrorCode = keyof typeof FIELD_ERROR_CODES;

export function problemStatus(code: ProblemCode): ProblemStatus {
  return PROBLEM_CODES[code].status;
}
