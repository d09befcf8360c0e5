import type * as tables from '../../subgraphs/merchants/tables.ts';
import {
  BRANDS,
  CATEGORIES,
  CITIES,
  type City,
  FIXED,
  KFC_XIHU,
  LOCAL_NAMES,
  pad,
  SERVICE_PROVIDERS,
  YOUNG_MINI_PROGRAM,
} from '../fixtures.ts';
import type { Random } from '../random.ts';
import type { Row, SeedContext } from './context.ts';

/** The merchants subgraph's seed rows, table by table. */
export type MerchantsSeed = ReturnType<typeof buildMerchants>;

/** A random offset of up to `meters` in degrees of latitude (close enough for longitude at these cities). */
const jitter = (random: Random, meters: number) => ((random.next() - 0.5) * 2 * meters) / 111_000;

/** The catalog, the brands then `20 × scale` local merchants, each with its stores and its mini program. */
export function buildMerchants({ random, at, scale }: SeedContext) {
  const categories: Row<typeof tables.categories>[] = [...CATEGORIES];
  const serviceProviders: Row<typeof tables.serviceProviders>[] = [...SERVICE_PROVIDERS];
  const merchants: Row<typeof tables.merchants>[] = [];
  const stores: Row<typeof tables.stores>[] = [];
  const miniPrograms: Row<typeof tables.miniPrograms>[] = [];

  const addMerchant = (
    key: string,
    name: string,
    categoryId: string,
    rateBps: number,
    city: City,
    storeCount: number,
    index: number,
    nameZh: string | null = null,
  ) => {
    const id = `mer_${key}`;
    const onlineSince = at(-random.int(40, 900));
    merchants.push({
      id,
      name,
      nameZh,
      categoryId,
      status: 'ACTIVE',
      settlementRateBps: rateBps,
      serviceProviderId: SERVICE_PROVIDERS[index % SERVICE_PROVIDERS.length]?.id as string,
      city,
      joinedCircleAt: index % 2 === 0 ? at(-10) : null,
      createdAt: at(-random.int(400, 1500)),
    });
    const c = CITIES[city];
    const cityCode = city === 'Hangzhou' ? 'hz' : 'sh';
    for (let s = 1; s <= storeCount; s++) {
      const district = c.districts[(s - 1) % c.districts.length] as string;
      stores.push({
        id: `sto_${key}_${cityCode}_${s}`,
        merchantId: id,
        name: `${name} ${district} ${s}`,
        address: `${random.int(1, 399)} ${district} Road, ${district} District, ${city}`,
        city,
        lat: Number((c.lat + jitter(random, 6000)).toFixed(6)),
        lng: Number((c.lng + jitter(random, 6000)).toFixed(6)),
        openingHours: random.pick(['07:00-23:00', '10:00-22:00', '00:00-24:00', '09:30-21:30']),
      });
    }
    miniPrograms.push({
      id: `mp_${key}`,
      merchantId: id,
      appId: `wx${pad(index + 1, 6)}${key.slice(0, 6)}`,
      name: `${name} Mini Program`,
      onlineSince,
    });
  };

  for (const [i, b] of BRANDS.entries())
    addMerchant(b.key, b.name, b.category, b.rateBps, b.city, b.stores, i, b.nameZh);
  const kfcXihu = stores.find((s) => s.id === FIXED.kfcStoreXihu);
  if (kfcXihu) Object.assign(kfcXihu, KFC_XIHU);
  const young = miniPrograms.find((m) => m.id === YOUNG_MINI_PROGRAM);
  if (young) young.onlineSince = at(-5);
  for (let i = 1; i <= 20 * scale; i++) {
    const city: City = i % 2 === 0 ? 'Shanghai' : 'Hangzhou';
    const name = `${random.pick(LOCAL_NAMES)} ${pad(i)}`;
    addMerchant(
      `local_${pad(i)}`,
      name,
      random.pick(CATEGORIES).id,
      random.pick([60, 100, 110, 150]),
      city,
      random.int(1, 3),
      BRANDS.length + i,
    );
  }
  return { categories, serviceProviders, merchants, stores, miniPrograms };
}
