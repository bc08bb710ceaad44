// Loaded by each stand-in device (a same-origin iframe) of the signals tests: a `<marketing-team>`
// on a SessionClient of its own (its own socket: no tab sharing, no cache), named like a phone or
// a desktop, so two frames are two devices of one person.
import { SessionClient } from '@marketing-team/core';
import type { MarketingTeamElement } from '../src/index.js';
import '../src/index.js';

export interface DeviceOptions {
  url: string;
  session: string;
  token: string;
  deviceName: string;
  debug?: boolean;
}

export interface Device {
  client: SessionClient;
  element: MarketingTeamElement;
}

declare global {
  interface Window {
    startDevice(options: DeviceOptions): Device;
  }
}

window.startDevice = (options) => {
  const client = new SessionClient({ url: options.url, transport: 'websocket', deviceName: options.deviceName });
  const element = document.createElement('marketing-team');
  element.client = client;
  element.session = options.session;
  element.token = options.token;
  element.debug = options.debug ?? false;
  document.body.append(element);
  return { client, element };
};
