"""ARM Generic Interrupt Controller v1/v2, one CPU interface, after QEMU's hw/intc/arm_gic.c.

Architecture: ARM IHI 0048B (GIC architecture specification v1.0 and v2.0).
The model is the one QEMU uses for the RealView GIC, the Cortex-A9 MPCore
GIC (revision 1) and the ``virt`` board's GICv2 (revision 2), without the
security extensions and for a single CPU:

* interrupt numbers: 0-15 SGIs (edge, always enabled), 16-31 PPIs, 32.. SPIs;
* an interrupt is pending if its pending latch is set, or, for a
  level-sensitive one, while its input line is high (QEMU's
  ``gic_test_pending``), so a level interrupt whose device still asserts it
  is pending again as soon as it is deactivated;
* acknowledge (GICC_IAR) moves the highest-priority pending interrupt to
  active, sets the running priority from its group priority (BPR) and the
  active-priority bits; EOI (GICC_EOIR) drops the priority and deactivates
  (GICv2 with EOImode=1 defers deactivation to GICC_DIR);
* the CPU sees IRQ when the best pending interrupt beats both the priority
  mask and the running priority, and both enables are on; with GICv2, group-0
  interrupts go to FIQ when GICC_CTLR.FIQEn is set.

The distributor and the CPU interface are two ``Device`` objects
(``gic.distributor`` and ``gic.cpu_interface``) because boards map them at
unrelated addresses.
"""

from __future__ import annotations

from typing import Callable

from vtrans.runtime.devices.base import Device, IrqLine
from vtrans.runtime.devices.primecell import WordDevice

GIC_NR_SGIS = 16
GIC_INTERNAL = 32
GIC_MAXIRQ = 1020
SPURIOUS = 1023
GIC_MIN_BPR = 0
GIC_MIN_ABPR = GIC_MIN_BPR + 1
GIC_NR_APRS = 4

GICD_CTLR_EN_GRP0, GICD_CTLR_EN_GRP1 = 1 << 0, 1 << 1
GICC_CTLR_EN_GRP0, GICC_CTLR_EN_GRP1 = 1 << 0, 1 << 1
GICC_CTLR_ACK_CTL, GICC_CTLR_FIQ_EN, GICC_CTLR_CBPR = 1 << 2, 1 << 3, 1 << 4
GICC_CTLR_EOIMODE = 1 << 9
GICC_CTLR_V1_MASK = 0x001
GICC_CTLR_V1_S_MASK = 0x01F
GICC_CTLR_V2_MASK = 0x21F

#: GICD/GICC PeriphID4..7, PeriphID0..3, ComponentID0..3 from 0xfd0 (QEMU ``gic_id_gicv1/2``)
GIC_ID = {
    1: bytes([0x04, 0x00, 0x00, 0x00, 0x90, 0xB3, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1]),
    2: bytes([0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1]),
}


class Gic:
    """GIC state shared by the distributor and the CPU interface."""

    def __init__(self, num_irq: int = 96, revision: int = 1, name: str = "gic", *,
                 security_extn: bool = False, priority_bits: int = 8):
        if num_irq % 32 or not GIC_INTERNAL < num_irq <= GIC_MAXIRQ + 4:
            raise ValueError("num_irq must be a multiple of 32 between 64 and 1024")
        if revision not in (1, 2):
            raise ValueError("GIC revision must be 1 or 2")
        self.name = name
        self.num_irq = num_irq
        self.revision = revision
        #: TrustZone-aware GIC (the Cortex-A9's).  The CPU runs Secure, so every
        #: access takes the Secure view; what changes is that interrupt groups exist.
        self.security_extn = security_extn
        #: implemented priority bits (the top ones): priorities and the priority mask keep only
        #: these, as QEMU's ``num-priority-bits`` (5 on the Cortex-A9 MPCore, 8 elsewhere)
        self.priority_bits_mask = (0xFF << (8 - priority_bits)) & 0xFF
        self.irq = IrqLine(f"{name}.irq")
        self.fiq = IrqLine(f"{name}.fiq")
        self._lines = [IrqLine(f"{name}[{n}]", self._input_sink(n)) if n >= GIC_NR_SGIS else None
                       for n in range(num_irq)]
        self.level = [False] * num_irq
        self.distributor = GicDistributor(self)
        self.cpu_interface = GicCpuInterface(self)
        self.reset()

    # -- wiring -------------------------------------------------------------------
    def spi(self, n: int) -> IrqLine:
        """The input line of shared peripheral interrupt ``n`` (GIC interrupt 32+n)."""
        return self.line(GIC_INTERNAL + n)

    def ppi(self, irq: int) -> IrqLine:
        """The input line of private peripheral interrupt ``irq`` (16..31)."""
        if not GIC_NR_SGIS <= irq < GIC_INTERNAL:
            raise ValueError(f"PPI numbers are 16..31, not {irq}")
        return self.line(irq)

    def line(self, irq: int) -> IrqLine:
        line = self._lines[irq]
        if line is None:
            raise ValueError(f"interrupt {irq} is an SGI and has no input line")
        return line

    def _input_sink(self, irq: int) -> Callable[[bool], None]:
        def sink(level: bool) -> None:
            if level == self.level[irq]:
                return
            self.level[irq] = level
            if level and self.edge[irq]:
                self.pending[irq] = True
            self.update()
        return sink

    # -- state --------------------------------------------------------------------
    def reset(self) -> None:
        n = self.num_irq
        self.enabled = [False] * n
        self._enabled_cache: list[int] | None = None
        self.pending = [False] * n
        self.active = [False] * n
        self.edge = [False] * n
        self.group = [False] * n
        self.priority = [0] * n
        self.sgi_pending = [0] * GIC_NR_SGIS
        for i in range(GIC_NR_SGIS):
            self.set_enabled(i, True)
            self.edge[i] = True
        self.ctlr = 0
        self.cpu_ctlr = 0
        self.priority_mask = 0
        self.bpr = GIC_MIN_BPR
        self.abpr = GIC_MIN_ABPR
        self.running_priority = 0x100
        self.current_pending = SPURIOUS
        self.apr = [0] * GIC_NR_APRS
        self.nsapr = [0] * GIC_NR_APRS
        self.update()

    def set_enabled(self, irq: int, on: bool) -> None:
        if self.enabled[irq] != on:
            self.enabled[irq] = on
            self._enabled_cache = None

    def _enabled_list(self) -> list[int]:
        if self._enabled_cache is None:
            self._enabled_cache = [i for i, on in enumerate(self.enabled) if on]
        return self._enabled_cache

    @property
    def has_groups(self) -> bool:
        return self.revision == 2 or self.security_extn

    def is_pending(self, irq: int) -> bool:
        return self.pending[irq] or (not self.edge[irq] and self.level[irq])

    def update(self) -> None:
        self.current_pending = SPURIOUS
        if not (self.ctlr & (GICD_CTLR_EN_GRP0 | GICD_CTLR_EN_GRP1)) or \
                not (self.cpu_ctlr & (GICC_CTLR_EN_GRP0 | GICC_CTLR_EN_GRP1)):
            self.irq.lower()
            self.fiq.lower()
            return
        best_prio, best_irq = 0x100, SPURIOUS
        prio = self.priority
        # Only enabled interrupts can win; scanning them in ascending order keeps QEMU's
        # tie-break (the lowest number among equal priorities).
        for irq in self._enabled_list():
            # an active interrupt is not a candidate again until deactivated (QEMU 7.2)
            if prio[irq] < best_prio and self.is_pending(irq) and not self.active[irq]:
                best_prio, best_irq = prio[irq], irq
        irq_level = fiq_level = False
        if best_prio < self.priority_mask:
            self.current_pending = best_irq
            if best_prio < self.running_priority:
                grp = int(self.group[best_irq])
                if (self.ctlr >> grp) & 1 and (self.cpu_ctlr >> grp) & 1:
                    if grp == 0 and self.cpu_ctlr & GICC_CTLR_FIQ_EN:
                        fiq_level = True
                    else:
                        irq_level = True
        self.irq.set(irq_level)
        self.fiq.set(fiq_level)

    # -- CPU interface operations -----------------------------------------------------
    def current_pending_irq(self) -> int:
        irq = self.current_pending
        if irq < GIC_MAXIRQ and self.has_groups:
            # Every access is Secure here: no security extensions, or a CPU running Secure.
            if self.group[irq] and not self.cpu_ctlr & GICC_CTLR_ACK_CTL:
                return 1022
        return irq

    def group_priority(self, irq: int) -> int:
        if self.has_groups and not self.cpu_ctlr & GICC_CTLR_CBPR and self.group[irq]:
            bpr = self.abpr
        else:
            bpr = self.bpr
        # BPR n: the group priority is bits [7:n+1]
        return self.priority[irq] & ((0xFFFFFFFF << ((bpr & 7) + 1)) & 0xFF)

    def acknowledge(self) -> int:
        irq = self.current_pending_irq()
        if irq >= GIC_MAXIRQ:
            return irq
        if self.priority[irq] >= self.running_priority:
            return SPURIOUS
        ret = irq
        if irq < GIC_NR_SGIS:
            src = (self.sgi_pending[irq] & -self.sgi_pending[irq]).bit_length() - 1
            if src < 0:
                src = 0
            self.sgi_pending[irq] &= ~(1 << src)
            if self.sgi_pending[irq] == 0:
                self.pending[irq] = False
            ret = irq | ((src & 7) << 10)
        else:
            # Level interrupts whose line is still high stay pending (is_pending).
            self.pending[irq] = False
        self._activate(irq)
        self.update()
        return ret

    def _activate(self, irq: int) -> None:
        prio = self.group_priority(irq)
        level = prio >> (GIC_MIN_BPR + 1)
        regno, bitno = divmod(level, 32)
        if self.has_groups and self.group[irq]:
            self.nsapr[regno] |= 1 << bitno
        else:
            self.apr[regno] |= 1 << bitno
        self.running_priority = prio
        self.active[irq] = True

    def _prio_from_apr(self) -> int:
        for i in range(GIC_NR_APRS):
            bits = self.apr[i] | self.nsapr[i]
            if bits:
                return (i * 32 + (bits & -bits).bit_length() - 1) << (GIC_MIN_BPR + 1)
        return 0x100

    def _drop_prio(self, group: int) -> None:
        aprs = self.nsapr if group else self.apr
        for i in range(GIC_NR_APRS):
            if aprs[i]:
                aprs[i] &= aprs[i] - 1  # the lowest set bit is the active priority
                break
        self.running_priority = self._prio_from_apr()

    def _eoi_split(self) -> bool:
        return self.revision == 2 and bool(self.cpu_ctlr & GICC_CTLR_EOIMODE)

    def complete(self, irq: int) -> None:
        if irq >= self.num_irq:
            return  # spurious or non-existent: ignored
        if self.running_priority == 0x100:
            return  # nothing active
        group = int(self.has_groups and self.group[irq])
        self._drop_prio(group)
        if not self._eoi_split():
            self.active[irq] = False
        self.update()

    def deactivate(self, irq: int) -> None:
        if irq < self.num_irq and self._eoi_split():
            self.active[irq] = False


class GicDistributor(Device):
    """GICD_*: the distributor (4 KiB)."""

    size = 0x1000

    def __init__(self, gic: Gic):
        self.gic = gic
        self.name = f"{gic.name}.dist"

    def reset(self) -> None:
        self.gic.reset()

    # QEMU's distributor is byte-addressed: wider accesses are assembled from bytes
    def read(self, offset: int, size: int) -> int:
        value = 0
        for i in range(size):
            value |= (self._readb(offset + i) & 0xFF) << (8 * i)
        return value

    def write(self, offset: int, size: int, value: int) -> None:
        if size == 4 and offset == 0xF00:
            self._write_sgir(value)
            return
        for i in range(size):
            self._writeb(offset + i, (value >> (8 * i)) & 0xFF)
        self.gic.update()

    def _bits(self, flags: list[bool], irq: int) -> int:
        res = 0
        for i in range(8):
            if irq + i < self.gic.num_irq and flags[irq + i]:
                res |= 1 << i
        return res

    def _readb(self, offset: int) -> int:
        g = self.gic
        if offset < 0x100:
            if offset == 0:
                return g.ctlr
            if 4 <= offset < 8:
                # ITLinesNumber, CPUNumber - 1 (0), SecurityExtn (bit 10)
                typer = ((g.num_irq // 32) - 1) | (int(g.security_extn) << 10)
                return (typer >> (8 * (offset - 4))) & 0xFF
            if 8 <= offset < 0xC:
                iidr = 0x43B  # GICD_IIDR: implementer ARM, as QEMU reports for v1 and v2
                return (iidr >> (8 * (offset - 8))) & 0xFF
            if offset < 0x80:
                return 0
            if not g.has_groups:
                return 0
            irq = (offset - 0x80) * 8
            return self._bits(g.group, irq) if irq < g.num_irq else 0
        if offset < 0x200:
            irq = (offset - (0x100 if offset < 0x180 else 0x180)) * 8
            return self._bits(g.enabled, irq) if irq < g.num_irq else 0
        if offset < 0x300:
            irq = (offset - (0x200 if offset < 0x280 else 0x280)) * 8
            if irq >= g.num_irq:
                return 0
            return sum(1 << i for i in range(8) if irq + i < g.num_irq and g.is_pending(irq + i))
        if offset < 0x400:
            irq = (offset - (0x300 if offset < 0x380 else 0x380)) * 8
            return self._bits(g.active, irq) if irq < g.num_irq else 0
        if offset < 0x800:
            irq = offset - 0x400
            return g.priority[irq] if irq < g.num_irq else 0
        if offset < 0xC00:
            return 0  # ITARGETSR: RAZ/WI on a uniprocessor GIC
        if offset < 0xF00:
            irq = (offset - 0xC00) * 4
            if irq >= g.num_irq:
                return 0
            res = 0
            for i in range(4):
                if irq + i < g.num_irq and g.edge[irq + i]:
                    res |= 2 << (i * 2)
            return res
        if 0xF10 <= offset < 0xF30:
            irq = (offset - 0xF10) & 0xF
            return g.sgi_pending[irq]
        if 0xFD0 <= offset < 0x1000:
            return 0 if offset & 3 else GIC_ID[g.revision][(offset - 0xFD0) >> 2]
        return 0

    def _writeb(self, offset: int, value: int) -> None:
        g = self.gic
        if offset < 0x100:
            if offset == 0:
                g.ctlr = value & ((GICD_CTLR_EN_GRP0 | GICD_CTLR_EN_GRP1) if g.has_groups else GICD_CTLR_EN_GRP0)
            elif offset >= 0x80 and g.has_groups:
                irq = (offset - 0x80) * 8
                for i in range(8):
                    if irq + i < g.num_irq:
                        g.group[irq + i] = bool(value & (1 << i))
            return
        if offset < 0x180:
            irq = (offset - 0x100) * 8
            if irq >= g.num_irq:
                return
            if irq < GIC_NR_SGIS:
                value = 0xFF  # SGIs are always enabled
            for i in range(8):
                if value & (1 << i) and irq + i < g.num_irq:
                    g.set_enabled(irq + i, True)
            return
        if offset < 0x200:
            irq = (offset - 0x180) * 8
            if irq >= g.num_irq or irq < GIC_NR_SGIS:
                return
            for i in range(8):
                if value & (1 << i) and irq + i < g.num_irq:
                    g.set_enabled(irq + i, False)
            return
        if offset < 0x280:
            irq = (offset - 0x200) * 8
            if irq >= g.num_irq or irq < GIC_NR_SGIS:
                return  # SGIs are made pending through GICD_SGIR/SPENDSGIR
            for i in range(8):
                if value & (1 << i) and irq + i < g.num_irq:
                    g.pending[irq + i] = True
            return
        if offset < 0x300:
            irq = (offset - 0x280) * 8
            if irq >= g.num_irq or irq < GIC_NR_SGIS:
                return
            for i in range(8):
                if value & (1 << i) and irq + i < g.num_irq:
                    g.pending[irq + i] = False
            return
        if offset < 0x400:
            if g.revision != 2:
                return  # GICv1: ISACTIVER/ICACTIVER writes are not modelled
            setting = offset < 0x380
            irq = (offset - (0x300 if setting else 0x380)) * 8
            for i in range(8):
                if value & (1 << i) and irq + i < g.num_irq:
                    g.active[irq + i] = setting
            return
        if offset < 0x800:
            irq = offset - 0x400
            if irq < g.num_irq:
                g.priority[irq] = value & g.priority_bits_mask
            return
        if offset < 0xC00:
            return  # ITARGETSR: RAZ/WI on a uniprocessor GIC
        if offset < 0xF00:
            irq = (offset - 0xC00) * 4
            if irq >= g.num_irq:
                return
            if irq < GIC_NR_SGIS:
                value |= 0xAA  # SGIs are always edge-triggered
            for i in range(4):
                if irq + i < g.num_irq:
                    g.edge[irq + i] = bool(value & (2 << (i * 2)))
            return
        if 0xF10 <= offset < 0xF20:
            irq = offset - 0xF10
            g.sgi_pending[irq] &= ~value
            if g.sgi_pending[irq] == 0:
                g.pending[irq] = False
            return
        if 0xF20 <= offset < 0xF30:
            irq = offset - 0xF20
            g.pending[irq] = True
            g.sgi_pending[irq] |= value
            return

    def _write_sgir(self, value: int) -> None:
        g = self.gic
        irq = value & 0x3FF
        target_filter = (value >> 24) & 3
        if target_filter == 0:
            mask = (value >> 16) & 1
        elif target_filter == 1:
            mask = 0  # "all but self": nobody else on a uniprocessor
        else:
            mask = 1
        if mask and irq < GIC_NR_SGIS:
            g.pending[irq] = True
            g.sgi_pending[irq] |= 1  # the source is CPU 0
        g.update()


class GicCpuInterface(WordDevice):
    """GICC_*: the CPU interface (0x100 bytes on GICv1, 0x2000 on GICv2)."""

    def __init__(self, gic: Gic):
        self.gic = gic
        self.name = f"{gic.name}.cpu"
        self.size = 0x2000 if gic.revision == 2 else 0x100

    def reset(self) -> None:
        pass  # the distributor resets the shared state

    def read32(self, offset: int) -> int:
        g = self.gic
        if offset == 0x00:
            return g.cpu_ctlr
        if offset == 0x04:
            return g.priority_mask
        if offset == 0x08:
            return g.bpr
        if offset == 0x0C:
            return g.acknowledge()
        if offset == 0x14:
            return min(g.running_priority, 0xFF)  # idle priority reads 0xff
        if offset == 0x18:
            return g.current_pending_irq()
        if offset == 0x1C:
            return g.abpr if g.has_groups else 0
        if 0xD0 <= offset <= 0xDC:
            return g.apr[(offset - 0xD0) >> 2] if g.revision == 2 else 0
        if 0xE0 <= offset <= 0xEC:
            return g.nsapr[(offset - 0xE0) >> 2] if g.revision == 2 else 0
        if offset == 0xFC:
            return (g.revision << 16) | 0x43B  # GICC_IIDR: ARM implementation
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        g = self.gic
        if offset == 0x00:
            if g.revision == 2:
                g.cpu_ctlr = value & GICC_CTLR_V2_MASK
            else:
                g.cpu_ctlr = value & (GICC_CTLR_V1_S_MASK if g.security_extn else GICC_CTLR_V1_MASK)
        elif offset == 0x04:
            g.priority_mask = value & g.priority_bits_mask
        elif offset == 0x08:
            g.bpr = max(value & 7, GIC_MIN_BPR)
        elif offset == 0x10:
            g.complete(value & 0x3FF)
            return
        elif offset == 0x1C:
            if not g.has_groups:
                return
            g.abpr = max(value & 7, GIC_MIN_ABPR)
        elif 0xD0 <= offset <= 0xDC:
            if g.revision != 2:
                return
            g.apr[(offset - 0xD0) >> 2] = value
        elif 0xE0 <= offset <= 0xEC:
            if g.revision != 2:
                return
            g.nsapr[(offset - 0xE0) >> 2] = value
        elif offset == 0x1000 and g.revision == 2:
            g.deactivate(value & 0x3FF)
        else:
            self.bad_offset(offset, "write")
            return
        g.update()
