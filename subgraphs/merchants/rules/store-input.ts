import { type UserError, userError } from '../../contract/errors.ts';
import { type GeoPoint, invalidPoint } from '../../shared/geo.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';

/** Longest store name, address and city, in characters as users see them (code points). */
export const MAX_STORE_NAME = 100;
export const MAX_ADDRESS = 200;
export const MAX_CITY = 50;
/** Opening ranges per day: enough for split shifts ("07:00-10:00, 11:00-14:00, 17:00-22:00"), not a timetable. */
export const MAX_OPENING_RANGES = 4;
/** A mini program's display name; its app id is APP_ID's 4..32 characters. */
export const MAX_MINI_PROGRAM_NAME = 100;

/** A platform app id: a letter, then 3..31 letters, digits or underscores (the seed's are `wx000001kfc`). */
const APP_ID = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;
/** One range of a day: `HH:MM-HH:MM`, the end up to 24:00 (end of day). */
const RANGE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/** INVALID_INPUT on `input.<field>`, the code every bad field of these mutations gets. */
export const invalid = (message: string, field: string) => userError('INVALID_INPUT', message, ['input', field]);

/** The trimmed text of a one-line field, or the user error saying why it cannot be stored. */
export function lineText(field: string, value: string, max: number): { text: string } | { error: UserError } {
  const text = value.trim();
  const length = characterCount(text);
  if (length < 1 || length > max) return { error: invalid(`${field} must be 1 to ${max} characters.`, field) };
  const unsafe = unsafeTextReason(field, value);
  return unsafe ? { error: invalid(unsafe, field) } : { text };
}

/** Minutes since midnight of `HH:MM`, or null when it is not a time of day (24:00 only where `endOfDay`). */
function minutesOf(hours: string, minutes: string, endOfDay: boolean): number | null {
  const h = Number(hours);
  const m = Number(minutes);
  if (m > 59) return null;
  if (h < 24) return h * 60 + m;
  return endOfDay && h === 24 && m === 0 ? 24 * 60 : null;
}

/**
 * Opening hours in their stored form, `HH:MM-HH:MM` ranges joined by ", ", or the user error explaining the format.
 * A range whose end is before its start runs past midnight; an empty range (start = end) is refused.
 */
export function normalizedOpeningHours(value: string): { text: string } | { error: UserError } {
  const format = `write one to ${MAX_OPENING_RANGES} ranges HH:MM-HH:MM separated by commas, e.g. "10:00-14:00, 17:00-22:00" ("00:00-24:00" is all day)`;
  const ranges = value.split(',').map((range) => range.trim());
  if (ranges.length > MAX_OPENING_RANGES) {
    return { error: invalid(`openingHours has ${ranges.length} ranges: ${format}.`, 'openingHours') };
  }
  for (const range of ranges) {
    const match = RANGE.exec(range);
    const start = match ? minutesOf(match[1] ?? '', match[2] ?? '', false) : null;
    const end = match ? minutesOf(match[3] ?? '', match[4] ?? '', true) : null;
    // Not echoed when long: the message stays readable whatever the client sent.
    const shown = characterCount(range) <= 20 ? `"${range}"` : 'a range';
    if (start === null || end === null) {
      return { error: invalid(`openingHours: ${shown} is not HH:MM-HH:MM; ${format}.`, 'openingHours') };
    }
    if (start === end || (start === 0 && end === 24 * 60 && ranges.length > 1)) {
      const why = start === end ? 'opens and closes at the same time' : 'is all day, so it must be the only range';
      return { error: invalid(`openingHours: ${shown} ${why}.`, 'openingHours') };
    }
  }
  return { text: ranges.join(', ') };
}

/** The user error for an unusable location, or null. */
export function locationProblem(location: GeoPoint): UserError | null {
  const problem = invalidPoint(location);
  return problem ? invalid(`location: ${problem}.`, 'location') : null;
}

/** The user error for an app id that is not 4..32 letters, digits or underscores starting with a letter, or null. */
export function appIdProblem(appId: string): UserError | null {
  if (APP_ID.test(appId)) return null;
  return invalid(
    'appId must be 4 to 32 letters, digits or underscores, starting with a letter (e.g. "wx000001kfc").',
    'appId',
  );
}

/** A store's details as given (every field optional, as in an update). */
export interface StoreDetailsInput {
  name?: string | null;
  address?: string | null;
  city?: string | null;
  location?: GeoPoint | null;
  openingHours?: string | null;
}

/** The same details checked and normalized (text trimmed, hours in their stored form): what the row stores. */
export interface StoreDetails {
  name?: string;
  address?: string;
  city?: string;
  lat?: number;
  lng?: number;
  openingHours?: string;
}

/** Checks every given field at once, so a form can mark all its bad fields together. */
export function checkStoreDetails(input: StoreDetailsInput): { details: StoreDetails; errors: UserError[] } {
  const details: StoreDetails = {};
  const errors: UserError[] = [];
  const take = (
    field: 'name' | 'address' | 'city' | 'openingHours',
    checked: { text: string } | { error: UserError },
  ) => {
    if ('error' in checked) errors.push(checked.error);
    else details[field] = checked.text;
  };
  if (input.name != null) take('name', lineText('name', input.name, MAX_STORE_NAME));
  if (input.address != null) take('address', lineText('address', input.address, MAX_ADDRESS));
  if (input.city != null) take('city', lineText('city', input.city, MAX_CITY));
  if (input.location != null) {
    const problem = locationProblem(input.location);
    if (problem) errors.push(problem);
    else Object.assign(details, { lat: input.location.lat, lng: input.location.lng });
  }
  if (input.openingHours != null) take('openingHours', normalizedOpeningHours(input.openingHours));
  return { details, errors };
}
