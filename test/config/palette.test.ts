/**
 * Zone colours against what the modules can show (config/palette.ts): a colour a
 * zone names that a module known from the config cannot show is refused at load,
 * naming the zone, the colour, a module and its profile; a zone without colours
 * gets the default palette less what its modules cannot show.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../config/load.ts';
import type { Profile } from '../../config/profile-schema.ts';
import { loadProfiles } from '../../config/profiles.ts';
import { Site } from '../../controller/site.ts';
import { PicklineError } from '../../kernel/errors.ts';

const base = loadProfiles();
/** pickline-ptl-v1 with a lamp of three colours */
const threeColours: Profile = {
  ...base.get('pickline-ptl-v1')!,
  name: 'three-colour-ptl',
  capabilities: { ...base.get('pickline-ptl-v1')!.capabilities, colors: ['red', 'green', 'blue'] },
};
const profiles = new Map([...base, [threeColours.name, threeColours]]);

const site = (zone: object, extra: object = {}) => ({
  site: 'T',
  api: { port: 0, tokens: {} },
  storage: { path: ':memory:' },
  buses: [
    { id: 'full', transport: 'modbus-tcp', host: 'h', port: 502, profile: 'pickline-ptl-v1' },
    { id: 'few', transport: 'modbus-tcp', host: 'h', port: 503, profile: 'three-colour-ptl' },
    { id: 'lamp', transport: 'modbus-tcp', host: 'h', port: 504, profile: 'generic-io-lamp-v1' },
  ],
  zones: [{ id: 'A', mode: 'pick', ...zone }],
  ...extra,
});

function problems(raw: unknown, p = profiles): string[] {
  try {
    checkConfig(raw, { profiles: p });
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

const on = (bus: string, ...addresses: number[]) =>
  addresses.map((a) => ({ id: `${bus}-${a}`, bus, address: a }));

describe('zone colours and the modules that show them', () => {
  it('refuses a colour a module of the zone cannot show, naming zone, colour, module and profile', () => {
    expect(
      problems(site({ colors: ['green', 'white', 'yellow'], locations: on('few', 1, 2) })),
    ).toEqual([
      'zones[0].colors[1]: zone A: location few-1 (bus few, address 1) cannot show white (profile three-colour-ptl: red, green, blue)',
      'zones[0].colors[2]: zone A: location few-1 (bus few, address 1) cannot show yellow (profile three-colour-ptl: red, green, blue)',
    ]);
  });

  it('checks the done indicator too, and every bus of the zone', () => {
    expect(
      problems(
        site({
          colors: ['blue', 'cyan'],
          doneIndicator: { bus: 'few', address: 9 },
          locations: on('full', 1),
        }),
      ),
    ).toEqual([
      'zones[0].colors[1]: zone A: A-DONE (bus few, address 9) cannot show cyan (profile three-colour-ptl: red, green, blue)',
    ]);
  });

  it('takes any colour on modules of one fixed colour and on modules that show them all', () => {
    const c = checkConfig(
      site({ colors: ['white', 'cyan'], locations: [...on('full', 1), ...on('lamp', 2)] }),
      { profiles },
    );
    expect(c.config.zones[0].colors).toEqual(['white', 'cyan']);
  });

  it('gives a zone without colours the default palette its modules can show', () => {
    const narrow = checkConfig(site({ locations: [...on('few', 1), ...on('lamp', 2)] }), {
      profiles,
    });
    expect(new Site(narrow.config).zones.get('A')!.colors).toEqual(['green', 'blue']);
    const wide = checkConfig(site({ locations: on('full', 1) }), { profiles });
    expect(wide.config.zones[0].colors).toBeUndefined();
    expect(new Site(wide.config).zones.get('A')!.colors).toEqual([
      'green',
      'blue',
      'yellow',
      'magenta',
      'cyan',
      'white',
    ]);
  });

  it('lets a scanner take only a colour of that palette', () => {
    const scanner = (color: string) => ({
      scanners: [{ id: 'S1', zone: 'A', picker: 'p', color }],
    });
    expect(problems(site({ locations: on('few', 1) }, scanner('blue')))).toEqual([]);
    expect(problems(site({ locations: on('few', 1) }, scanner('white')))).toEqual([
      "scanners[0].color: is not one of zone A's colours (green, blue)",
    ]);
  });

  it('knows ABLEPick tags from their transport: white is refused and left out of the default', () => {
    const tags = (zone: object) => {
      const raw = site(zone);
      raw.buses.push({ id: 'ap', transport: 'ablepick', host: 'h' } as never);
      return raw;
    };
    expect(problems(tags({ colors: ['green', 'white'], locations: on('ap', 1, 2) }))).toEqual([
      'zones[0].colors[1]: zone A: location ap-1 (bus ap, address 1) cannot show white (ABLEPick tags: red, green, yellow, blue, magenta, cyan)',
    ]);
    const c = checkConfig(tags({ locations: on('ap', 1, 2) }), { profiles });
    expect(new Site(c.config).zones.get('A')!.colors).toEqual([
      'green',
      'blue',
      'yellow',
      'magenta',
      'cyan',
    ]);
  });

  it('refuses a zone whose modules show none of the default colours', () => {
    const redOnly: Profile = {
      ...threeColours,
      name: 'red-ptl',
      capabilities: { ...threeColours.capabilities, colors: ['red'] },
    };
    const raw = site({ locations: on('red', 1) });
    raw.buses.push({
      id: 'red',
      transport: 'modbus-tcp',
      host: 'h',
      port: 505,
      profile: 'red-ptl',
    });
    expect(problems(raw, new Map([...profiles, ['red-ptl', redOnly]]))).toEqual([
      "zones[0]: zone A: its modules show none of the default colours (green, blue, yellow, magenta, cyan, white); name the zone's colors",
    ]);
  });
});
