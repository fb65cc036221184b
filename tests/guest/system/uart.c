/* uart: the PL011 behaviour a driver relies on (ARM PrimeCell UART (PL011)
 * Technical Reference Manual, DDI 0183, chapter 3 "Programmers Model").
 *
 *  - Reset values (the register summary table), read before the runtime
 *    programmed the UART: UARTCR 0x0300 (TXE, RXE; UARTEN clear), UARTLCR_H
 *    0, UARTIBRD 0, UARTFBRD 0, UARTIMSC 0, UARTIFLS 0x12 (both FIFOs at
 *    1/2).
 *  - Identification (UARTPeriphID0-3, UARTPCellID0-3): UARTPeriphID0-3 =
 *    part number 0x011, designer 0x41 ('A'), configuration 0; UARTPCellID0-3
 *    = 0x0d, 0xf0, 0x05, 0xb1 (the PrimeCell ID 0xb105f00d). The revision
 *    field (UARTPeriphID2[7:4]) depends on the RTL revision the board models
 *    and is not checked.
 *  - UARTFR with no input and the transmitter idle: TXFE = 1, RXFE = 1, TXFF
 *    = 0, RXFF = 0, BUSY = 0. The modem status bits (CTS, DSR, DCD, RI)
 *    reflect the board's wiring and are not checked.
 *  - The registers a driver programs read back: IBRD (16 bits), FBRD (6
 *    bits), LCR_H, CR, IMSC (11 bits), IFLS.
 *  - Transmit interrupt with the FIFOs disabled (chapter 3 "Interrupts",
 *    UARTTXINTR): set once the single transmit location has emptied, cleared
 *    by UARTICR; UARTMIS = UARTRIS AND UARTIMSC; the UART's interrupt line
 *    is GIC SPI 1 (ID 33) on the virt board, level-sensitive, so
 *    GICD_ISPENDR1 bit 1 follows UARTMIS != 0.
 *  - Receive: nothing arrives (stdin is /dev/null): RXRIS = 0, and
 *    UARTRSR/UARTECR reads 0 (no receive errors).
 */
#include "rt.h"

#define DR    (UART_BASE + 0x000)
#define RSR   (UART_BASE + 0x004)
#define FR    (UART_BASE + 0x018)
#define IBRD  (UART_BASE + 0x024)
#define FBRD  (UART_BASE + 0x028)
#define LCRH  (UART_BASE + 0x02c)
#define CR    (UART_BASE + 0x030)
#define IFLS  (UART_BASE + 0x034)
#define IMSC  (UART_BASE + 0x038)
#define RIS   (UART_BASE + 0x03c)
#define MIS   (UART_BASE + 0x040)
#define ICR   (UART_BASE + 0x044)
#define DMACR (UART_BASE + 0x048)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define GICD_ISPENDR1 (GICD_BASE + 0x204)

static void drain(void)
{
    for (int i = 0; i < 1000000 && (rd32(FR) & ((1u << 3) | (1u << 7))) != (1u << 7); i++)
        ;
}

int main(void)
{
    rt_puts("uart\n");
    rt_puts("-- reset values\n");
    check("uartcr", rt_uart_boot[0], 0x300);
    check("uartlcr_h", rt_uart_boot[1], 0);
    check("uartibrd", rt_uart_boot[2], 0);
    check("uartfbrd", rt_uart_boot[3], 0);
    check("uartimsc", rt_uart_boot[4], 0);
    check("uartifls", rt_uart_boot[5], 0x12);

    rt_puts("-- identification\n");
    check("uartperiphid0", rd32(UART_BASE + 0xfe0), 0x11);
    check("uartperiphid1", rd32(UART_BASE + 0xfe4), 0x10);
    check("uartperiphid2 designer[7:4]", rd32(UART_BASE + 0xfe8) & 0x0f, 0x4);
    check("uartperiphid3", rd32(UART_BASE + 0xfec), 0x00);
    check("uartpcellid0", rd32(UART_BASE + 0xff0), 0x0d);
    check("uartpcellid1", rd32(UART_BASE + 0xff4), 0xf0);
    check("uartpcellid2", rd32(UART_BASE + 0xff8), 0x05);
    check("uartpcellid3", rd32(UART_BASE + 0xffc), 0xb1);

    rt_puts("-- flags\n");
    drain();
    check("uartfr (txfe rxff txff rxfe busy)", rd32(FR) & 0xf8, 0x90);
    check("uartrsr", rd32(RSR) & 0xf, 0);
    check("uartdmacr", rd32(DMACR) & 0x7, 0);

    rt_puts("-- programmed registers\n");
    check("uartibrd", rd32(IBRD), 13);
    check("uartfbrd", rd32(FBRD), 1);
    check("uartlcr_h", rd32(LCRH), 0x70);
    check("uartcr", rd32(CR), 0x301);
    wr32(IBRD, 0xfedc);
    check("uartibrd 16 bits", rd32(IBRD), 0xfedc);
    wr32(FBRD, 0x2a);
    check("uartfbrd 6 bits", rd32(FBRD), 0x2a);
    wr32(IBRD, 13);
    wr32(FBRD, 1);
    wr32(LCRH, 0x70);                      /* the divisor update needs an LCR_H write */
    wr32(IFLS, 0x24);
    check("uartifls", rd32(IFLS), 0x24);
    wr32(IFLS, 0x12);
    wr32(IMSC, 0x7ff);
    check("uartimsc all", rd32(IMSC), 0x7ff);
    wr32(IMSC, 0);

    rt_puts("-- transmit interrupt (fifos off)\n");
    /* Printing writes UARTDR, which itself raises TXRIS again once the
     * character has left: every value is read before anything is printed. */
    {
        u32 r[10];
        drain();
        wr32(LCRH, 0x60);                  /* 8 bits, FEN = 0 */
        wr32(ICR, 0x7ff);
        r[0] = rd32(RIS) & (INT_TX | INT_RX);
        wr32(DR, '#');
        drain();
        r[1] = rd32(RIS) & (INT_TX | INT_RX);
        r[2] = rd32(MIS);
        r[3] = rd32(GICD_ISPENDR1) & 2;
        wr32(IMSC, INT_TX);
        r[4] = rd32(MIS);
        r[5] = rd32(GICD_ISPENDR1) & 2;
        wr32(ICR, INT_TX);
        r[6] = rd32(RIS) & INT_TX;
        r[7] = rd32(MIS);
        r[8] = rd32(GICD_ISPENDR1) & 2;
        wr32(IMSC, 0);
        rt_putc('\n');
        check("uartris after icr", r[0], 0);
        check("uartris tx after a character left", r[1], INT_TX);
        check("uartmis with imsc = 0", r[2], 0);
        check("gic spi 1 pending with imsc = 0", r[3], 0);
        check("uartmis with txim", r[4], INT_TX);
        check("gic spi 1 (id 33) pending", r[5], 2);
        check("uartris after icr tx", r[6], 0);
        check("uartmis after icr tx", r[7], 0);
        check("gic spi 1 after icr", r[8], 0);
    }
    wr32(IMSC, 0);
    wr32(LCRH, 0x70);
    drain();
    rt_finish();
}
