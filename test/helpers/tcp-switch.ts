/**
 * A TCP forwarder on 127.0.0.1 that can be switched off: every open connection is cut and
 * new ones are reset at once, as when the server behind it dies; switched on, it forwards
 * again. For outage tests of a server the machine keeps running for others.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpSwitch {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private on = true;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (!this.on) {
        client.destroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Cuts every connection; new ones are reset until `up()`. */
  down(): void {
    this.on = false;
    for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.on = true;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
