import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rc2CbcDecrypt, rc2DecryptBlock } from './rc2.js';

describe('RC2', () => {
  it('decrypts the RFC 2268 section 5 test vectors', () => {
    // key, effective key bits, plaintext, ciphertext
    const vectors: [string, number, string, string][] = [
      ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
      ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
      ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
      ['88', 64, '0000000000000000', '61a8a244adacccf0'],
      ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ];
    for (const [key, bits, plain, cipher] of vectors) {
      expect(rc2DecryptBlock(Buffer.from(key, 'hex'), bits, Buffer.from(cipher, 'hex')).toString('hex')).toBe(plain);
    }
  });

  it("agrees with OpenSSL's legacy provider on RC2-40-CBC, the cipher PKCS#12 certificates use", () => {
    for (let i = 0; i < 20; i++) {
      const key = crypto.randomBytes(5);
      const iv = crypto.randomBytes(8);
      const plain = crypto.randomBytes(1 + i * 13);
      const cipher = execFileSync('openssl', ['enc', '-rc2-40-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'),
        '-provider', 'legacy', '-provider', 'default'], { input: plain });
      expect(rc2CbcDecrypt(key, 40, iv, cipher)).toEqual(plain);
    }
  });

  it('reports bad padding (a wrong key) as null', () => {
    const key = crypto.randomBytes(5);
    const iv = crypto.randomBytes(8);
    const cipher = execFileSync('openssl', ['enc', '-rc2-40-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'),
      '-provider', 'legacy', '-provider', 'default'], { input: Buffer.from('sixteen bytes!!!') });
    const wrong = Buffer.from(key);
    wrong[0]! ^= 1;
    const results = [rc2CbcDecrypt(wrong, 40, iv, cipher), rc2CbcDecrypt(key, 40, iv, cipher.subarray(0, 5))];
    expect(results[1]).toBeNull();
    expect(results[0]?.toString() === 'sixteen bytes!!!').toBe(false);
  });
});
