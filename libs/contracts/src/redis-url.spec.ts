import { parseRedisUrl } from './redis-url';

describe('parseRedisUrl', () => {
  it.each([
    [
      'redis://127.0.0.1:6379',
      { kind: 'single', tls: false, db: 0, hosts: [{ host: '127.0.0.1', port: 6379 }] },
    ],
    [
      'rediss://u:p%40ss@r.example/2',
      {
        kind: 'single',
        tls: true,
        db: 2,
        username: 'u',
        password: 'p@ss',
        hosts: [{ host: 'r.example', port: 6379 }],
      },
    ],
    [
      'redis://:secret@h',
      { kind: 'single', tls: false, db: 0, password: 'secret', hosts: [{ host: 'h', port: 6379 }] },
    ],
    [
      'redis://svc:pw@h1:7000,h2:7001,[::1]:7002',
      {
        kind: 'seeds',
        tls: false,
        db: 0,
        username: 'svc',
        password: 'pw',
        hosts: [
          { host: 'h1', port: 7000 },
          { host: 'h2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
    ],
    [
      'rediss+sentinel://app:pw@s1:26379,s2/mymaster/1',
      {
        kind: 'sentinel',
        tls: true,
        db: 1,
        username: 'app',
        password: 'pw',
        masterName: 'mymaster',
        hosts: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  it.each([
    ['http://h:6379', /must be redis/],
    ['redis+sentinel://s1:26379', /master name/],
    ['redis://h1:1,h2:2/3', /only db 0/],
    ['redis://h:99999', /bad host:port/],
    ['redis://h/x', /bad database/],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });
});
