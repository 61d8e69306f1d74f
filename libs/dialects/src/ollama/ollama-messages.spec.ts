import { toDataUri } from './ollama-messages';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD';
const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const WEBP = 'UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=';

describe('Ollama images', () => {
  it.each([
    [PNG, 'image/png'],
    [JPEG, 'image/jpeg'],
    [GIF, 'image/gif'],
    [WEBP, 'image/webp'],
    ['AAAAAAAA', 'image/png'],
  ])('sniffs %s as %s', (b64, mime) => {
    expect(toDataUri(b64)).toBe(`data:${mime};base64,${b64}`);
  });
});
