/**
 * A peer of the driver contract suites: the far side of a bus holding light
 * modules, as a picker and a technician see it. The protocol-neutral suite
 * (neutral.contract.ts) needs only `LightPeer`, so every transport runs it
 * (Modbus: the simulator and pymodbus; ABLEPick: the simulator; MQTT: the
 * module fleet on the embedded broker and on mosquitto); a protocol adds its
 * own suite for wire details (modbus-profile.contract.ts).
 */
import type { BusConfig, Color } from '../../../config/schema.ts';
import type { LightMode, ModuleAddress, TechnicianBus } from '../../../device-drivers/types.ts';

/** What a module shows on its lamp and display. */
export interface Shown {
  mode: LightMode;
  color: Color | null;
  /** quantity on the display; null = blank */
  display: number | null;
}

export interface LightPeer {
  /**
   * The bus under test, reaching this peer, configured for `addresses` (which
   * may include modules the peer does not hold); not started. `over` sets
   * scheduling options (timeoutMs, retries, healthIntervalMs, offlineAfter).
   */
  createBus(addresses: number[], over?: Partial<BusConfig>): TechnicianBus;
  /** The bus address of module `n` (MQTT: its module id); default `n` itself. */
  address?(n: number): ModuleAddress;
  shows(address: number): Promise<Shown>;
  /** A picker presses `key`, first setting the display to `quantity` (+/-) when given. */
  press(address: number, key: 'confirm' | 'short', quantity?: number): Promise<void>;
  /** The module stops answering (on) or answers again (off). */
  silence(address: number, on: boolean): Promise<void>;
  close(): Promise<void>;
  /** the colours the modules can show, when not every one (ABLEPick tags have no white) */
  colors?: readonly Color[];
  /** true when the modules say what they can show only at run time (MQTT status) */
  announcesCapabilities?: boolean;
}

/** Starts a peer holding exactly `addresses`. */
export type PeerFactory<P extends LightPeer = LightPeer> = (addresses: number[]) => Promise<P>;
