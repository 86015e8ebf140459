/** The API with the voice gateway over a fake floor, listening on 127.0.0.1 (ephemeral port). */
import type { VoiceGatewayOptions } from '../../api/voice/gateway.ts';
import { voiceGateway } from '../../api/voice/gateway.ts';
import type { SiteConfig } from '../../config/schema.ts';
import { VoiceDesk } from '../../controller/voice/desk.ts';
import { SignOn } from '../../controller/voice/signon.ts';
import { type FloorApi, floorApi } from './floor-api.ts';

export interface VoiceFloor extends FloorApi {
  baseUrl: string;
  desk: VoiceDesk;
  config: SiteConfig;
}

export const OPERATORS = ['op1', 'op2', 'op3', 'op4', 'op5', 'op6'];

export async function voiceFloor(
  dbPath: string,
  opts: Partial<Omit<VoiceGatewayOptions, 'desk' | 'signOn'>> & {
    configure?: (c: SiteConfig) => void;
    /** the sign-on throttle's clock (default Date.now) */
    clock?: () => number;
  } = {},
): Promise<VoiceFloor> {
  let config: SiteConfig | undefined;
  const f = await floorApi(dbPath, {
    configure: (c) => {
      c.operators = OPERATORS.map((id) => ({ id, pin: '1234' }));
      opts.configure?.(c);
      config = c;
    },
  });
  const { configure: _, clock, ...gw } = opts;
  // the gateway attaches to the server before it listens, as in app/main.ts
  const desk = new VoiceDesk(f.commands, f.site);
  // as app/main.ts wires it: voice + light follows the recorded lines
  f.outbox.onEvent((e) => {
    if (e.type === 'line.picked' || e.type === 'line.shorted')
      desk.lineRecorded({
        lineId: String(e.data.lineId),
        location: (e.data.location as string | null) ?? null,
      });
  });
  await f.app.register(
    async (scoped) =>
      voiceGateway(scoped, {
        desk,
        signOn: new SignOn(config?.operators ?? [], clock),
        ...gw,
      }),
    { prefix: '/api/v1' },
  );
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = f.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { ...f, desk, baseUrl: `http://127.0.0.1:${port}`, config: config as SiteConfig };
}

export { voiceWave } from './floor.ts';
