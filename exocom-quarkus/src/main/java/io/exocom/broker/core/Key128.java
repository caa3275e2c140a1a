package io.exocom.broker.core;

/**
 * A 128-bit fingerprint of a pair of strings (a service and a message id), mixed the way MurmurHash3 x64/128 mixes
 * (two 64-bit lanes, its constants and finaliser) over their characters. The de-duplication and correlation tables keep these instead of the strings: 16 bytes instead of a
 * hundred or more per entry. At 128 bits two different pairs share a fingerprint with a probability far below any
 * hardware fault's (about 10^-26 for a million entries).
 */
public record Key128(long hi, long lo) {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    public static Key128 of(String first, String second) {
        long h1 = 0x9368e53c2f6af274L;
        long h2 = 0x586dcd208f7cd3fdL;
        int length = first.length() + 1 + second.length();
        long block = 0;
        int inBlock = 0;
        long k1 = 0;
        boolean haveK1 = false;
        for (int i = 0; i < length; i++) {
            char c = i < first.length() ? first.charAt(i) : i == first.length() ? '\u0000' : second.charAt(i - first.length() - 1);
            block |= ((long) c) << (16 * inBlock);
            if (++inBlock == 4) {
                if (!haveK1) {
                    k1 = block;
                    haveK1 = true;
                } else {
                    long k2 = block;
                    k1 *= C1;
                    k1 = Long.rotateLeft(k1, 31);
                    k1 *= C2;
                    h1 ^= k1;
                    h1 = Long.rotateLeft(h1, 27);
                    h1 += h2;
                    h1 = h1 * 5 + 0x52dce729;
                    k2 *= C2;
                    k2 = Long.rotateLeft(k2, 33);
                    k2 *= C1;
                    h2 ^= k2;
                    h2 = Long.rotateLeft(h2, 31);
                    h2 += h1;
                    h2 = h2 * 5 + 0x38495ab5;
                    haveK1 = false;
                }
                block = 0;
                inBlock = 0;
            }
        }
        // tail: what is left of the last 16-byte block
        long tail1 = haveK1 ? k1 : block;
        long tail2 = haveK1 ? block : 0;
        if (haveK1 || inBlock > 0) {
            if (tail2 != 0) {
                tail2 *= C2;
                tail2 = Long.rotateLeft(tail2, 33);
                tail2 *= C1;
                h2 ^= tail2;
            }
            tail1 *= C1;
            tail1 = Long.rotateLeft(tail1, 31);
            tail1 *= C2;
            h1 ^= tail1;
        }
        h1 ^= length * 2L;
        h2 ^= length * 2L;
        h1 += h2;
        h2 += h1;
        h1 = mix(h1);
        h2 = mix(h2);
        h1 += h2;
        h2 += h1;
        return new Key128(h1, h2);
    }

    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** Which of {@code stripes} (a power of two) this key belongs to: from the high bits, the index uses the low ones. */
    int stripe(int stripeBits) {
        return (int) (hi >>> (64 - stripeBits));
    }
}
