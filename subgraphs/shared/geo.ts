/** A point on earth in WGS-84 degrees. */
export interface GeoPoint {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_METERS = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle (haversine) distance in whole meters. */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h))));
}

/** A lat/lng box that contains every point within `radiusMeters`, so SQL can pre-filter on plain indexes. */
export function boundingBox(center: GeoPoint, radiusMeters: number) {
  const dLat = (radiusMeters / EARTH_RADIUS_METERS) * (180 / Math.PI);
  const cos = Math.max(Math.cos(rad(center.lat)), 1e-6);
  const dLng = Math.min(180, dLat / cos);
  return { minLat: center.lat - dLat, maxLat: center.lat + dLat, minLng: center.lng - dLng, maxLng: center.lng + dLng };
}

/** Validates a client-supplied point; returns a readable message or null. */
export function invalidPoint(p: GeoPoint): string | null {
  if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90) return 'lat must be between -90 and 90';
  if (!Number.isFinite(p.lng) || p.lng < -180 || p.lng > 180) return 'lng must be between -180 and 180';
  return null;
}
