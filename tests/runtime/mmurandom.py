"""Random translation tables and accesses for the MMU's differential campaign against QEMU.

A program maps a 16 MB window of virtual addresses (0xA0000000) at random over a 2 MB pool of
physical RAM: first-level faults (with random bits in the rest of the descriptor), sections,
coarse page tables of 4 KB small and 64 KB large pages and holes, and on the ARM926
(versatilepb) fine tables of 1 KB tiny pages and the four per-subpage AP fields of ARMv5
pages -- with random domains, AP/APX, XN, PXN (Cortex-A15), memory attributes, a random DACR
(no access, client, the reserved value and manager), on ARMv7 a random TTBCR.N (the window then
goes through TTBR1's table) and sometimes PD0/PD1, and on ARMv5 random SCTLR.S/R.  A
second window (0xB0000000) holds first-level faults only.  Everything else is an identity map
of the board's first 4 MB of RAM (the program, its tables, the pool).

Then it *probes*: loads and stores of every size, the unprivileged ldrt/strt family from SVC
mode, and instruction fetches (``blx`` to a ``bx lr`` placed at the end of every 1 KB of the
pool), from SVC and from User mode.  The abort handlers record DFSR/DFAR or IFSR/IFAR for the
probe and resume after it.  At the end the program prints one line per probe (loaded value,
fault status, fault address, what happened) and a hash of the pool, which every store went to.

Only architecturally defined states are generated (no supersections, no large pages whose 16
entries differ, aligned accesses, no access to the pool's ``bx lr`` words but fetches), so two
machines that differ are different machines.

    python tests/runtime/mmurandom.py --board virt --seed 1 > prog.s
"""

from __future__ import annotations

import argparse
import random
import sys

from guestasm import CONSOLE, install_vectors, vector_table

BOARD_RAM = {"versatilepb": 0x00000000, "realview-pb-a8": 0x70000000, "vexpress-a9": 0x60000000,
             "virt": 0x40000000}
#: the ARM926 of versatilepb: VMSAv5 tables (subpage AP fields, fine tables, no XN/APX)
V5_BOARDS = {"versatilepb"}
#: PXN in first-level page-table descriptors (the Cortex-A15 implements LPAE, hence PXN)
PXN_BOARDS = {"virt"}

WINDOW = 0xA0000000
WINDOW_MB = 16
FAULT_WINDOW = 0xB0000000
POOL = 0x200000        # offset of the 2 MB physical pool in RAM
POOL_SIZE = 0x200000
BX_LR = 0xE12FFF1E
PATTERN = 0xA5A5A5A5

DATA_OPS = {
    # op: (bytes, store?, unprivileged?)
    "ldr": (4, False, False), "ldrb": (1, False, False), "ldrh": (2, False, False), "ldrsh": (2, False, False),
    "str": (4, True, False), "strb": (1, True, False), "strh": (2, True, False),
    "ldrt": (4, False, True), "ldrbt": (1, False, True), "strt": (4, True, True), "strbt": (1, True, True),
}


class MmuGenerator:
    """``deprivileged``: no unprivileged load or store (ldrt & co.) from SVC mode -- a sensitive
    instruction that does not trap, so that the program runs under trap-and-emulate too."""

    def __init__(self, seed: int, board: str, deprivileged: bool = False):
        self.deprivileged = deprivileged
        self.rng = random.Random(seed)
        self.board = board
        self.ram = BOARD_RAM[board]
        self.v5 = board in V5_BOARDS
        self.pxn = board in PXN_BOARDS
        #: second-level tables: (label, words)
        self.tables: list[tuple[str, list[int]]] = []
        #: (va, size) of every page or section mapped in the window, for probes to aim at
        self.mapped: list[tuple[int, int]] = []

    # -- descriptors ------------------------------------------------------------------------
    def _pool_base(self, size: int) -> int:
        return self.ram + POOL + size * self.rng.randrange(POOL_SIZE // size)

    def _attrs_v6(self) -> int:
        """TEX[2:0], C, B, S, nG of a VMSAv7 descriptor, as (tex, c, b, s, ng) bits packed later."""
        return self.rng.getrandbits(7)

    def _fault(self) -> int:
        return self.rng.getrandbits(30) << 2     # bits[1:0] = 0b00: the rest is ignored

    def section(self, va: int) -> int:
        base = self._pool_base(1 << 20)
        domain = self.rng.randrange(16)
        ap = self.rng.randrange(4)
        self.mapped.append((va, 1 << 20))
        if self.v5:
            return base | ap << 10 | domain << 5 | 1 << 4 | self.rng.getrandbits(2) << 2 | 0b10
        a = self._attrs_v6()
        tex, c, b, s, ng = a & 7, a >> 3 & 1, a >> 4 & 1, a >> 5 & 1, a >> 6 & 1
        apx, xn = self.rng.getrandbits(1), self.rng.getrandbits(1)
        pxn = self.rng.getrandbits(1) if self.pxn else 0          # 0b11: a section with PXN
        return (base | ng << 17 | s << 16 | apx << 15 | tex << 12 | ap << 10 | domain << 5 | xn << 4 | c << 3
                | b << 2 | 0b10 | pxn)

    def page_table(self, va: int, index: int) -> int:
        domain = self.rng.randrange(16)
        fine = self.v5 and self.rng.random() < 0.3
        label = f"l2_{index}"
        words = self._fine_table(va) if fine else self._coarse_table(va)
        self.tables.append((label, words))
        if self.v5:
            return (domain << 5 | 1 << 4 | (0b11 if fine else 0b01)), label
        pxn = self.rng.getrandbits(1) if self.pxn else 0
        return (domain << 5 | pxn << 2 | 0b01), label

    def _coarse_table(self, va: int) -> list[int]:
        words: list[int] = []
        while len(words) < 256:
            r = self.rng.random()
            page_va = va + len(words) * 0x1000
            if r < 0.2:
                words.append(self._fault() if not self.v5 or self.rng.random() < 0.8
                             else self._pool_base(0x400) | self.rng.getrandbits(2) << 4 | 0b11)  # v5: a fault too
            elif r < 0.35 and len(words) % 16 == 0:
                words += [self._large(page_va)] * 16
            else:
                words.append(self._small(page_va))
        return words

    def _small(self, va: int) -> int:
        base = self._pool_base(0x1000)
        self.mapped.append((va, 0x1000))
        if self.v5:
            return base | self.rng.getrandbits(8) << 4 | self.rng.getrandbits(2) << 2 | 0b10   # AP0..AP3
        a = self._attrs_v6()
        tex, c, b, s, ng = a & 7, a >> 3 & 1, a >> 4 & 1, a >> 5 & 1, a >> 6 & 1
        apx, ap, xn = self.rng.getrandbits(1), self.rng.randrange(4), self.rng.getrandbits(1)
        return base | ng << 11 | s << 10 | apx << 9 | tex << 6 | ap << 4 | c << 3 | b << 2 | 0b10 | xn

    def _large(self, va: int) -> int:
        base = self._pool_base(0x10000)
        self.mapped.append((va, 0x10000))
        if self.v5:
            return base | self.rng.getrandbits(8) << 4 | self.rng.getrandbits(2) << 2 | 0b01
        a = self._attrs_v6()
        tex, c, b, s, ng = a & 7, a >> 3 & 1, a >> 4 & 1, a >> 5 & 1, a >> 6 & 1
        apx, ap, xn = self.rng.getrandbits(1), self.rng.randrange(4), self.rng.getrandbits(1)
        return base | xn << 15 | tex << 12 | ng << 11 | s << 10 | apx << 9 | ap << 4 | c << 3 | b << 2 | 0b01

    def _fine_table(self, va: int) -> list[int]:
        """ARMv5 fine table: 1024 entries of 1 KB (VA[19:10]); a small page is 4 entries, a
        large page 64."""
        words: list[int] = []
        while len(words) < 1024:
            r = self.rng.random()
            entry_va = va + len(words) * 0x400
            if r < 0.2:
                words.append(self._fault())
            elif r < 0.3 and len(words) % 64 == 0:
                words += [self._large(entry_va)] * 64
            elif r < 0.5 and len(words) % 4 == 0:
                words += [self._small(entry_va)] * 4
            else:
                self.mapped.append((entry_va, 0x400))
                words.append(self._pool_base(0x400) | self.rng.getrandbits(2) << 4 | 0b11)   # tiny page
        return words

    # -- the program --------------------------------------------------------------------------
    def dacr(self) -> int:
        value = 0b01   # domain 0 (the identity map): client
        for d in range(1, 16):
            value |= self.rng.choice([0b00, 0b01, 0b01, 0b10, 0b11]) << (2 * d)
        return value

    def probe_va(self, op: str) -> int:
        r = self.rng.random()
        if r < 0.75 and self.mapped:
            va, size = self.rng.choice(self.mapped)
            va += self.rng.randrange(size) & ~0x3FF
        elif r < 0.9:
            va = WINDOW + (self.rng.randrange(WINDOW_MB << 20) & ~0x3FF)
        else:
            va = FAULT_WINDOW + (self.rng.randrange(WINDOW_MB << 20) & ~0x3FF)
        if op == "exec":
            return va | 0x3FC                    # the pool's bx lr at the end of each 1 KB
        size = DATA_OPS[op][0]
        return va | (self.rng.randrange(0x3FC) & ~(size - 1))   # never the bx lr word

    def program(self, probes: int = 120) -> str:
        l1_window = []
        for k in range(WINDOW_MB):
            va = WINDOW + (k << 20)
            r = self.rng.random()
            if r < 0.15:
                l1_window.append((self._fault(), None))
            elif r < 0.2 and not self.v5 and not self.pxn:
                # 0b11 without LPAE: reserved, a translation fault
                l1_window.append((self.rng.getrandbits(30) << 2 | 0b11, None))
            elif r < 0.45:
                l1_window.append((self.section(va), None))
            else:
                l1_window.append(self.page_table(va, k))
        fault_window = [self._fault() for _ in range(WINDOW_MB)]
        dacr = self.dacr()
        ttbcr = 0
        if not self.v5:
            # TTBCR.N: the window (and, for N >= 2, the RAM) above TTBR0's part; sometimes walks
            # through the half without the program's own mappings disabled (PD0/PD1)
            n = self.rng.choice([0, 1, 1, 2, 3])
            ttbcr = n
            if n and self.rng.random() < 0.15:
                ram_in_ttbr1 = self.ram >= 1 << (32 - n)
                ttbcr |= 1 << 4 if ram_in_ttbr1 else 1 << 5
        window_ttbr0 = [self._fault() for _ in range(WINDOW_MB)]
        sr = self.rng.getrandbits(2) << 8 if self.v5 else 0     # ARMv5 SCTLR.S (8) and R (9)
        lines: list[str] = []
        pooled = 0
        k = 0
        while k < probes:
            user = self.rng.random() < 0.4
            batch = []
            for _ in range(self.rng.randrange(1, 8)):
                if k >= probes:
                    break
                ops = [op for op in DATA_OPS if user or not self.deprivileged or not DATA_OPS[op][2]]
                op = self.rng.choice(ops + ["exec"] * 3)
                batch += self._probe(k, op, self.probe_va(op), "usr" if user else "svc")
                k += 1
            if user:   # (by an exception return, which traps when the kernel runs deprivileged)
                lines += [f"        adr lr, .Luser{k}", "        msr spsr_cxsf, #0xd0", "        movs pc, lr",
                          f".Luser{k}:"] + batch + ["        svc #0"]
            else:
                lines += batch
            if len(lines) - pooled > 600:     # literal pools within ldr's 4 KB reach
                lines += [f"        b .Lpool{k}", "        .ltorg", f".Lpool{k}:"]
                pooled = len(lines)
        identity = self.ram >> 20
        return _PROGRAM.format(
            ram=self.ram, pool=self.ram + POOL, v6=int(not self.v5), dacr=dacr, sr=sr, probes=probes,
            ttbcr=ttbcr, ttbcr_n=ttbcr & 7, console=CONSOLE, install_vectors=install_vectors("V6"),
            vectors=vector_table(svc="svc", pabt="pabt", dabt="dabt"),
            window_ttbr0="\n".join(f"        .word 0x{w:08x}" for w in window_ttbr0),
            identity_lo=identity, window_index=WINDOW >> 20, fault_index=FAULT_WINDOW >> 20,
            section_bits=0xC12 if self.v5 else 0xC02,
            window="\n".join(f"        .word {self._l1_word(w, label)}" for w, label in l1_window),
            fault_window="\n".join(f"        .word 0x{w:08x}" for w in fault_window),
            body="\n".join(lines),
            tables="\n".join(f"        .balign {4096 if len(words) == 1024 else 1024}\n{label}:\n"
                             + "\n".join(f"        .word {', '.join(f'0x{w:08x}' for w in words[i:i + 8])}"
                                         for i in range(0, len(words), 8))
                             for label, words in self.tables))

    @staticmethod
    def _l1_word(word: int, label: str | None) -> str:
        return f"0x{word:08x}" if label is None else f"{label} + 0x{word:x}"

    def _probe(self, k: int, op: str, va: int, mode: str) -> list[str]:
        head = [f"@ probe {k}: {op} 0x{va:08x} ({mode})",
                f"        ldr r9, =results + {16 * k}",
                "        str r9, [r12]",
                f"        ldr r1, =0x{va:08x}",
                "        ldr r0, =0xdeadbeef",
                f"        ldr r2, =0x5eed{k:04x}"]
        if op == "exec":
            return head + [f"        adr r3, .Lresume{k}", "        str r3, [r11]", "        blx r1",
                           f".Lresume{k}:", "        str r0, [r9]"]
        rt = "r2" if DATA_OPS[op][1] else "r0"
        return head + [f"        {op} {rt}, [r1]", "        str r0, [r9]"]


_PROGRAM = """\
@ generated by tests/runtime/mmurandom.py
        .syntax unified
        .arm
        .equ RAM, 0x{ram:08x}
        .equ POOL, 0x{pool:08x}
        .equ V6, {v6}
        .equ PROBES, {probes}
        .equ TTBCR_N, {ttbcr_n}
        .global _start
@ modes change by exception returns: they trap when the kernel runs deprivileged
_start: adr lr, 0f
        msr spsr_cxsf, #0xd7            @ Abort mode: its stack
        movs pc, lr
0:      ldr sp, =RAM + 0x170000
        adr lr, 0f
        msr spsr_cxsf, #0xd3            @ SVC mode, interrupts masked
        movs pc, lr
0:      ldr sp, =RAM + 0x160000
{install_vectors}        @ the pool: each word its own address ^ 0xa5a5a5a5, the last word of each 1 KB bx lr
        ldr r0, =POOL
        ldr r1, =POOL + 0x{pool_size:x}
        ldr r2, =0x{pattern:08x}
        ldr r3, =0x{bx_lr:08x}
1:      eor r4, r0, r2
        str r4, [r0], #4
        tst r0, #0x3fc
        streq r3, [r0, #-4]
        cmp r0, r1
        bne 1b
        @ the first-level tables: identity sections over the first 4 MB of RAM, the windows
        @ (TTBR0's only while TTBCR.N = 0: above its boundary, addresses go through TTBR1)
        ldr r0, =l1b
        ldr r5, =window
        bl build_l1
        ldr r0, =l1
        .if TTBCR_N
        ldr r5, =window_ttbr0
        .else
        ldr r5, =window
        .endif
        bl build_l1
        ldr r1, =0x{dacr:08x}
        mcr p15, 0, r1, c3, c0, 0       @ DACR
        mcr p15, 0, r0, c2, c0, 0       @ TTBR0
        .if V6
        ldr r1, =l1b
        mcr p15, 0, r1, c2, c0, 1       @ TTBR1
        ldr r1, =0x{ttbcr:x}
        mcr p15, 0, r1, c2, c0, 2       @ TTBCR: N, PD0/PD1; short descriptors
        .endif
        mov r1, #0
        mcr p15, 0, r1, c8, c7, 0       @ TLBIALL
        mrc p15, 0, r1, c1, c0, 0
        bic r1, r1, #0x300
        orr r1, r1, #0x{sr:x}                 @ ARMv5: SCTLR.S and R
        orr r1, r1, #1                  @ M
        mcr p15, 0, r1, c1, c0, 0
        .if V6
        isb
        .endif
        ldr r12, =slot
        ldr r11, =resume
        b probes

@ build_l1: the first-level table at r0, its window from r5 (r0 kept; r1-r4, r5 scratch)
build_l1:
        mov r1, #0
        mov r2, #0
2:      str r2, [r0, r1, lsl #2]        @ 0: a fault
        add r1, r1, #1
        cmp r1, #4096
        bne 2b
        ldr r2, =0x{section_bits:x}
        mov r1, #0
3:      add r3, r1, #{identity_lo}
        orr r4, r2, r3, lsl #20
        str r4, [r0, r3, lsl #2]
        add r1, r1, #1
        cmp r1, #4
        bne 3b
        add r3, r0, #{window_index} * 4
        mov r2, #16
4:      ldr r4, [r5], #4
        str r4, [r3], #4
        subs r2, r2, #1
        bne 4b
        ldr r1, =fault_window
        add r3, r0, #{fault_index} * 4
        mov r2, #16
5:      ldr r4, [r1], #4
        str r4, [r3], #4
        subs r2, r2, #1
        bne 5b
        bx lr
        .ltorg

probes:
{body}
@ report: one line per probe, then a hash of the pool
        ldr r4, =results
        mov r5, #0
6:      ldr r10, =line
        mov r0, r5
        bl hex8
        ldr r0, [r4], #4
        bl hex8
        ldr r0, [r4], #4
        bl hex8
        ldr r0, [r4], #4
        bl hex8
        ldr r0, [r4], #4
        bl hex8
        bl emit
        add r5, r5, #1
        cmp r5, #PROBES
        bne 6b
        ldr r6, =POOL
        ldr r7, =POOL + 0x{pool_size:x}
        mov r8, #0
7:      ldr r9, [r6], #4
        eor r8, r9, r8, ror #27
        add r8, r8, #1
        cmp r6, r7
        bne 7b
        ldr r10, =line
        mov r0, r8
        bl hex8
        bl emit
        mov r0, #0x18                   @ SYS_EXIT, ADP_Stopped_ApplicationExit
        ldr r1, =0x20026
        svc 0x123456

@ data abort: the probe's fault status and address; resume after the access
dabt:   ldr r10, [r12]
        mrc p15, 0, r8, c5, c0, 0       @ DFSR
        str r8, [r10, #4]
        mrc p15, 0, r8, c6, c0, 0       @ DFAR
        str r8, [r10, #8]
        mov r8, #1
        str r8, [r10, #12]
        subs pc, lr, #4
@ prefetch abort: the same with IFSR/IFAR (the ARM926 has no IFAR: the aborted address);
@ resume where the probe said, in the probe's mode
pabt:   ldr r10, [r12]
        mrc p15, 0, r8, c5, c0, 1       @ IFSR
        str r8, [r10, #4]
        .if V6
        mrc p15, 0, r8, c6, c0, 2       @ IFAR
        .else
        sub r8, lr, #4
        .endif
        str r8, [r10, #8]
        mov r8, #2
        str r8, [r10, #12]
        ldr lr, [r11]
        movs pc, lr
@ svc #0 ends a User-mode batch: back in SVC mode after it
svc:    bx lr
{console}
{vectors}
        .data
window:
{window}
fault_window:
{fault_window}
window_ttbr0:
{window_ttbr0}
slot:   .word 0
resume: .word 0
line:   .space 64
results:
        .space 16 * PROBES
{tables}
        .balign 16384
l1:     .space 16384
l1b:    .space 16384
""".replace("{pool_size:x}", f"{POOL_SIZE:x}").replace("{pattern:08x}", f"{PATTERN:08x}") \
   .replace("{bx_lr:08x}", f"{BX_LR:08x}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="virt", choices=sorted(BOARD_RAM))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--probes", type=int, default=120)
    args = ap.parse_args(argv)
    sys.stdout.write(MmuGenerator(args.seed, args.board).program(args.probes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
