import { controlTransportOptions } from './node-control';

describe('controlTransportOptions', () => {
  it('carries host, port, credentials, database and TLS from the Redis URL', () => {
    expect(controlTransportOptions('rediss://user:p%40ss@redis.example:6380/3', 'n')).toMatchObject(
      {
        host: 'redis.example',
        port: 6380,
        username: 'user',
        password: 'p@ss',
        db: 3,
        tls: {},
        connectionName: 'n',
      },
    );
  });

  it('defaults the port and leaves out what the URL does not say', () => {
    const options = controlTransportOptions('redis://[::1]', 'n');
    expect(options).toMatchObject({ host: '::1', port: 6379 });
    expect(options).not.toHaveProperty('password');
    expect(options).not.toHaveProperty('db');
    expect(options).not.toHaveProperty('tls');
  });
});
