// CPU-bound benchmark: bitwise CRC-32 over a buffer.
#include <stdio.h>
#include <stdint.h>
static uint8_t buf[1 << 16];
int main(void)
{
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 31 + 7);
    uint32_t crc = 0;
    for (int rep = 0; rep < 400; rep++) {
        crc = ~crc;
        for (unsigned i = 0; i < sizeof buf; i++) {
            crc ^= buf[i];
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
        crc = ~crc;
    }
    printf("crc %08x\n", crc);
    return 0;
}
