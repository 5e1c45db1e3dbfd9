"""Register-level tests of the device models, driven by the virtual clock alone.

The expected values follow the reference semantics the models claim: the ARM
TRMs (SP804 DDI 0271, PL011 DDI 0183, PL190 DDI 0181, GIC IHI 0048B, Cortex-A9
MPCore DDI 0407, ARM ARM B8 for the generic timer) as QEMU 7.2 implements them
(hw/timer/arm_timer.c, hw/core/ptimer.c, hw/char/pl011.c, hw/intc/pl190.c,
hw/intc/arm_gic.c, hw/timer/arm_mptimer.c).  Times are in guest instructions;
with ``shift=0`` one instruction is one nanosecond, so a 1 MHz timer tick is
1000 instructions.  Reset values and ID registers are checked against QEMU
itself in test_boards.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.a9mpcore import A9GlobalTimer, MPTimer
from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.generic_timer import CTL_ISTATUS, GenericTimer, GtReg
from vtrans.runtime.devices.gic import Gic
from vtrans.runtime.devices.pl011 import PL011
from vtrans.runtime.devices.pl031 import PL031
from vtrans.runtime.devices.pl190 import PL190
from vtrans.runtime.devices.sp804 import SP804
from vtrans.runtime.devices.sysregs import PowerHooks, SysRegs
from vtrans.runtime.devices.versatile_sic import VersatileSIC


class Recorder:
    """An interrupt sink remembering at which instruction each level change happened."""

    def __init__(self, clock: VirtualClock):
        self.clock = clock
        self.changes: list[tuple[int, bool]] = []
        self.line = IrqLine("probe", self.sink)

    def sink(self, level: bool) -> None:
        self.changes.append((self.clock.insns, level))


def run_to(clock: VirtualClock, insn: int) -> None:
    """Advance like the machine does: never past a device deadline."""
    while clock.insns < insn:
        deadline = clock.next_deadline()
        step = insn - clock.insns if deadline is None else min(insn, max(deadline, clock.insns + 1)) - clock.insns
        clock.advance(step)


# -- SP804 (DDI 0271; QEMU arm_timer.c over a legacy ptimer) -----------------------------------
T_ENABLE, T_PERIODIC, T_IE, T_32BIT, T_ONESHOT = 0x80, 0x40, 0x20, 0x02, 0x01


def sp804(shift: int = 0):
    clock = VirtualClock(shift)
    rec = Recorder(clock)
    return clock, rec, SP804(clock, rec.line)


def test_sp804_periodic_counts_down_and_interrupts_every_period():
    clock, rec, t = sp804()
    t.write(0x00, 4, 10)                                   # Load: 10 ticks of 1 us
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_IE | T_32BIT)
    # Value = floor(time to next expiry / period) (ptimer_get_count)
    for at, value in [(0, 10), (1, 9), (999, 9), (1000, 9), (1001, 8), (9999, 0)]:
        run_to(clock, at)
        assert t.read(0x04, 4) == value, at
    assert t.read(0x10, 4) == 0 and rec.changes == []
    run_to(clock, 10000)
    assert rec.changes == [(10000, True)]
    assert (t.read(0x10, 4), t.read(0x14, 4), t.read(0x04, 4)) == (1, 1, 10)   # RIS, MIS, reloaded
    t.write(0x0C, 4, 0)                                    # IntClr
    assert rec.changes[-1] == (10000, False) and t.read(0x10, 4) == 0
    run_to(clock, 25000)
    assert rec.changes[-1] == (20000, True)
    t.write(0x0C, 4, 0)
    run_to(clock, 30000)
    # reloads are relative to the previous deadline, so the period never drifts
    assert [c for c in rec.changes if c[1]] == [(10000, True), (20000, True), (30000, True)]


def test_sp804_oneshot_fires_once_and_stops_at_zero():
    clock, rec, t = sp804()
    t.write(0x00, 4, 5)
    t.write(0x08, 4, T_ENABLE | T_ONESHOT | T_IE | T_32BIT)
    run_to(clock, 20000)
    assert rec.changes == [(5000, True)]
    assert t.read(0x04, 4) == 0 and t.read(0x08, 4) & T_ENABLE  # QEMU leaves ENABLE set


def test_sp804_free_running_ignores_load_and_wraps_at_16_bits():
    clock, rec, t = sp804()
    t.write(0x00, 4, 5)
    t.write(0x08, 4, T_ENABLE | T_IE)                      # 16-bit, free-running
    assert t.read(0x04, 4) == 0xFFFF and t.read(0x00, 4) == 5
    run_to(clock, 0xFFFF * 1000)
    assert rec.changes == [(0xFFFF * 1000, True)]


@pytest.mark.parametrize("prescale, period_ns", [(0, 1000), (1, 16000), (2, 256016)])
def test_sp804_prescaler_divides_the_1mhz_clock(prescale, period_ns):
    # 1 MHz >> 8 = 3906 Hz: QEMU's period is 1e9 // 3906 ns plus a 32-bit fraction.
    clock, rec, t = sp804()
    t.write(0x00, 4, 4)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_IE | T_32BIT | prescale << 2)
    run_to(clock, 4 * period_ns + 1)
    assert rec.changes == [(4 * period_ns + (1 if prescale == 2 else 0), True)]


def test_sp804_interrupt_enable_masks_only_the_output():
    clock, rec, t = sp804()
    t.write(0x00, 4, 1)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_32BIT)      # IE clear
    run_to(clock, 1500)
    assert (t.read(0x10, 4), t.read(0x14, 4)) == (1, 0) and rec.changes == []
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_32BIT | T_IE)
    assert rec.changes == [(1500, True)]


def test_sp804_bgload_changes_the_next_period_not_the_current_one():
    clock, rec, t = sp804()
    t.write(0x00, 4, 10)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_IE | T_32BIT)
    run_to(clock, 3000)
    t.write(0x18, 4, 2)                                    # BGLoad
    assert t.read(0x04, 4) == 7 and t.read(0x00, 4) == 2
    run_to(clock, 11000)
    assert [c[0] for c in rec.changes if c[1]] == [10000]
    t.write(0x0C, 4, 0)
    run_to(clock, 12001)
    assert [c[0] for c in rec.changes if c[1]] == [10000, 12000]


def test_sp804_control_write_while_enabled_reloads_from_load():
    clock, rec, t = sp804()
    t.write(0x00, 4, 10)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_32BIT)
    run_to(clock, 4000)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_32BIT | T_IE)   # QEMU quirk: restarts the count
    assert t.read(0x04, 4) == 10
    run_to(clock, 14000)
    assert rec.changes == [(14000, True)]


def test_sp804_second_timer_shares_the_interrupt_output():
    clock, rec, t = sp804()
    t.write(0x20, 4, 2)
    t.write(0x28, 4, T_ENABLE | T_ONESHOT | T_IE | T_32BIT)
    run_to(clock, 2000)
    assert rec.changes == [(2000, True)] and t.read(0x30, 4) == 1 and t.read(0x10, 4) == 0
    t.write(0x2C, 4, 0)
    assert rec.changes[-1] == (2000, False)


def test_sp804_disable_freezes_value():
    clock, rec, t = sp804()
    t.write(0x00, 4, 10)
    t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_32BIT)
    run_to(clock, 2500)
    t.write(0x08, 4, T_PERIODIC | T_32BIT)
    run_to(clock, 50000)
    assert t.read(0x04, 4) == 7 and rec.changes == []


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=60), st.integers(0, 4))
def test_timer_interrupts_land_on_the_same_instruction_however_time_is_advanced(steps, shift):
    """Determinism: the tick instructions depend on virtual time only, not on how the
    machine slices its run (it always runs exactly up to the next deadline)."""
    def ticks(chunks):
        clock = VirtualClock(shift)
        rec = Recorder(clock)
        t = SP804(clock, rec.line)
        t.write(0x00, 4, 3)
        t.write(0x08, 4, T_ENABLE | T_PERIODIC | T_IE | T_32BIT)
        for n in chunks:
            while n:
                deadline = clock.next_deadline()
                step = n if deadline is None else min(n, max(deadline - clock.insns, 1))
                clock.advance(step)
                n -= step
                if t.read(0x10, 4):
                    t.write(0x0C, 4, 0)
        return [c for c in rec.changes if c[1]]

    total = sum(steps)
    assert ticks(steps) == ticks([total])


# -- PL011 (DDI 0183; QEMU pl011.c) ------------------------------------------------------------

def test_pl011_transmit_is_immediate_and_raises_tx():
    rec = Recorder(VirtualClock())
    u = PL011(rec.line)
    out = bytearray()
    u.set_output(out.append)
    u.write(0x38, 4, 0x20)                                 # IMSC: TX
    u.write(0x00, 4, ord("A"))
    assert out == b"A" and u.read(0x18, 4) & 0x80          # FR.TXFE still set
    assert (u.read(0x3C, 4), u.read(0x40, 4)) == (0x20, 0x20) and rec.line.level
    u.write(0x44, 4, 0x20)                                 # ICR
    assert u.read(0x3C, 4) == 0 and not rec.line.level


def test_pl011_receive_fills_fifo_and_raises_rx():
    rec = Recorder(VirtualClock())
    u = PL011(rec.line)
    u.write(0x2C, 4, 0x70)                                 # LCR_H: 8 bits, FIFOs on
    u.write(0x38, 4, 0x10)                                 # IMSC: RX
    assert u.read(0x18, 4) & 0x10                          # RXFE
    u.receive(b"hi!")
    assert not u.read(0x18, 4) & 0x10 and rec.line.level
    assert [u.read(0x00, 4) for _ in range(3)] == [ord("h"), ord("i"), ord("!")]
    assert u.read(0x18, 4) & 0x10 and not rec.line.level   # drained: RX interrupt drops


def test_pl011_input_waits_for_the_guest_then_fills_as_the_fifo_allows():
    u = PL011()
    u.receive(b"ab")
    assert u.read_count == 0 and u.pending_input == 2      # the guest has not looked yet
    u.write(0x2C, 4, 0x70)                                 # FIFOs on: nothing flushed
    assert u.read_count == 2
    u = PL011()
    u.receive(b"ab")
    assert u.read(0x18, 4) & 0x40                          # RXFF: the 1-byte holding register
    assert u.read_count == 1 and u.pending_input == 1
    assert u.read(0x00, 4) == ord("a") and u.read(0x00, 4) == ord("b")
    assert u.read(0x18, 4) & 0x10


def test_pl011_loopback_is_not_modelled_as_in_qemu_7_2():
    u = PL011()
    out = bytearray()
    u.set_output(out.append)
    u.write(0x30, 4, 0x381)                                # CR: UARTEN, TXE, RXE, LBE
    u.write(0x00, 4, ord("x"))
    assert out == b"x" and u.read(0x18, 4) == 0x90         # nothing looped back


def test_pl011_fifo_enable_empties_rx_but_keeps_flags():
    u = PL011()
    u.receive(b"abc")
    assert u.read(0x18, 4) == 0xC0                         # one byte held: RXFF, not RXFE
    u.write(0x2C, 4, 0x70)                                 # FIFOs on: the held byte is dropped
    assert u.read(0x00, 4) == ord("b") and u.read(0x00, 4) == ord("c")
    assert u.read(0x18, 4) & 0x10


def test_pl011_flag_register_is_read_only():
    u = PL011()
    u.write(0x18, 4, 0)                                    # FR is read-only
    assert u.read(0x18, 4) == 0x90


# -- PL190 (DDI 0181; QEMU pl190.c) ------------------------------------------------------------

def pl190():
    clock = VirtualClock()
    irq, fiq = Recorder(clock), Recorder(clock)
    return PL190(irq.line, fiq.line), irq.line, fiq.line


def test_pl190_enable_select_and_status():
    vic, irq, fiq = pl190()
    vic.inputs[4].raise_()
    assert vic.read(0x08, 4) == 1 << 4 and vic.read(0x00, 4) == 0 and not irq.level
    vic.write(0x10, 4, 1 << 4)                             # IntEnable
    assert vic.read(0x00, 4) == 1 << 4 and irq.level
    vic.write(0x0C, 4, 1 << 4)                             # IntSelect: FIQ
    assert not irq.level and fiq.level and vic.read(0x04, 4) == 1 << 4
    vic.write(0x0C, 4, 0)
    vic.write(0x14, 4, 1 << 4)                             # IntEnClear
    assert not irq.level and vic.read(0x10, 4) == 0
    vic.inputs[4].lower()
    assert vic.read(0x08, 4) == 0


def test_pl190_software_interrupts():
    vic, irq, _ = pl190()
    vic.write(0x10, 4, 1 << 1)
    vic.write(0x18, 4, 1 << 1)                             # SoftInt
    assert irq.level and vic.read(0x18, 4) == 2 and vic.read(0x08, 4) == 2
    vic.write(0x1C, 4, 1 << 1)                             # SoftIntClear
    assert not irq.level


def test_pl190_vectored_priority_nesting():
    vic, irq, _ = pl190()
    vic.write(0x200, 4, 0x20 | 5)                          # slot 0 (highest): line 5
    vic.write(0x100, 4, 0x1000)
    vic.write(0x204, 4, 0x20 | 4)                          # slot 1: line 4
    vic.write(0x104, 4, 0x2000)
    vic.write(0x34, 4, 0x9000)                             # DefVectAddr
    vic.write(0x10, 4, (1 << 4) | (1 << 5) | (1 << 7))
    vic.inputs[4].raise_()
    assert irq.level and vic.read(0x30, 4) == 0x2000       # ISR entry for line 4: priority 1
    assert not irq.level                                   # line 4 itself is now masked
    vic.inputs[5].raise_()
    assert irq.level and vic.read(0x30, 4) == 0x1000       # line 5 pre-empts
    assert not irq.level
    vic.inputs[5].lower()
    vic.write(0x30, 4, 0)                                  # end of line 5's ISR
    assert not irq.level                                   # back at priority 1: line 4 still masked
    vic.write(0x30, 4, 0)                                  # end of line 4's ISR
    assert irq.level
    vic.inputs[4].lower()
    vic.inputs[5].lower()
    vic.inputs[7].raise_()                                 # unvectored line
    assert irq.level and vic.read(0x30, 4) == 0x9000       # default address...
    assert not irq.level                                   # ...at the non-vectored level 16
    vic.write(0x30, 4, 0)
    assert irq.level


# -- Versatile SIC -----------------------------------------------------------------------------

def test_sic_combines_into_pic_31_and_passes_through_21_to_30():
    pic = [IrqLine(f"pic{n}") for n in range(32)]
    sic = VersatileSIC(pic)
    sic.inputs[6].raise_()
    assert sic.read(0x04, 4) == 1 << 6 and not pic[31].level
    sic.write(0x08, 4, 1 << 6)                             # ENSET
    assert pic[31].level and sic.read(0x00, 4) == 1 << 6
    sic.write(0x0C, 4, 1 << 6)                             # ENCLR
    assert not pic[31].level
    sic.inputs[22].raise_()
    sic.write(0x20, 4, (1 << 22) | (1 << 3))               # PICENSET: only 21..30 pass through
    assert pic[22].level and sic.read(0x20, 4) == 1 << 22
    sic.write(0x24, 4, 1 << 22)
    sic.inputs[22].lower()
    assert pic[22].level                                   # pass-through off: PIC line left as it was


# -- GIC (IHI 0048B; QEMU arm_gic.c) ---------------------------------------------------------

def gic(revision=1, num_irq=96):
    g = Gic(num_irq=num_irq, revision=revision)
    d, c = g.distributor, g.cpu_interface
    d.write(0x000, 4, 1)                                   # GICD_CTLR
    c.write(0x000, 4, 1)                                   # GICC_CTLR
    c.write(0x004, 4, 0xF0)                                # GICC_PMR
    return g, d, c


def test_gic_spi_acknowledge_and_eoi_level_semantics():
    g, d, c = gic()
    d.write(0x400 + 36, 1, 0xA0)                           # priority of interrupt 36
    d.write(0x104, 4, 1 << 4)                              # ISENABLER1: interrupt 36
    g.spi(4).raise_()
    assert g.irq.level and c.read(0x18, 4) == 36           # HPPIR
    assert c.read(0x0C, 4) == 36                           # IAR
    assert not g.irq.level and c.read(0x14, 4) == 0xA0     # running priority
    assert d.read(0x304, 4) == 1 << 4                      # active
    assert d.read(0x204, 4) == 1 << 4                      # level still high: pending again
    c.write(0x10, 4, 36)                                   # EOIR
    assert g.irq.level and c.read(0x14, 4) == 0xFF         # line still high: fires again
    g.spi(4).lower()
    assert not g.irq.level and d.read(0x204, 4) == 0


def test_gic_edge_interrupt_latches():
    g, d, c = gic()
    d.write(0xC08, 4, 0x2 << 8)                            # ICFGR2: interrupt 36 edge
    d.write(0x104, 4, 1 << 4)
    g.spi(4).raise_()
    g.spi(4).lower()
    assert g.irq.level and c.read(0x0C, 4) == 36
    c.write(0x10, 4, 36)
    assert not g.irq.level


def test_gic_priority_mask_and_preemption():
    g, d, c = gic()
    d.write(0x104, 4, (1 << 4) | (1 << 5))
    d.write(0x424, 4, 0x80 << 0 | 0x40 << 8)               # 36: 0x80, 37: 0x40
    c.write(0x04, 4, 0x80)                                 # PMR: only priorities < 0x80
    g.spi(4).raise_()
    assert not g.irq.level and c.read(0x0C, 4) == 1023     # masked: spurious
    c.write(0x04, 4, 0xF0)
    assert c.read(0x0C, 4) == 36 and not g.irq.level
    g.spi(5).raise_()                                      # higher priority pre-empts
    assert g.irq.level and c.read(0x0C, 4) == 37
    c.write(0x10, 4, 37)
    assert c.read(0x14, 4) == 0x80
    c.write(0x10, 4, 36)
    assert c.read(0x14, 4) == 0xFF


def test_gic_sgi_reports_source_cpu_and_ppis_are_per_cpu_lines():
    g, d, c = gic()
    d.write(0xF00, 4, (2 << 24) | 3)                       # SGIR: to self, SGI 3
    assert g.irq.level and c.read(0x0C, 4) == 3            # source CPU 0 in bits 12:10
    c.write(0x10, 4, 3)
    assert not g.irq.level
    d.write(0x100, 4, 1 << 29)
    g.ppi(29).raise_()
    assert c.read(0x0C, 4) == 29


def test_gic_disabled_distributor_or_interface_holds_interrupts():
    g, d, c = gic()
    d.write(0x104, 4, 1 << 4)
    d.write(0x000, 4, 0)
    g.spi(4).raise_()
    assert not g.irq.level and c.read(0x0C, 4) == 1023
    d.write(0x000, 4, 1)
    assert g.irq.level


def test_gicv2_group0_goes_to_fiq_when_fiqen_and_eoimode_splits_deactivation():
    g, d, c = gic(revision=2, num_irq=288)
    d.write(0x000, 4, 3)
    c.write(0x000, 4, 0x3 | 0x8 | 0x200)                   # both groups, FIQEn, EOImode
    d.write(0x104, 4, 1 << 1)                              # interrupt 33 (the virt UART)
    g.spi(1).raise_()
    assert g.fiq.level and not g.irq.level
    assert c.read(0x0C, 4) == 33
    c.write(0x10, 4, 33)                                   # priority drop only
    assert d.read(0x304, 4) == 1 << 1
    c.write(0x1000, 4, 33)                                 # GICC_DIR
    assert d.read(0x304, 4) == 0


# -- Cortex-A9 private timer (DDI 0407 4.1; QEMU arm_mptimer.c) ---------------------------------

def test_mptimer_auto_reload_period_is_load_plus_one():
    clock = VirtualClock(0)
    rec = Recorder(clock)
    t = MPTimer(clock, rec.line)
    t.write(0x00, 4, 100)                                  # Load; PERIPHCLK 10 ns
    t.write(0x08, 4, 0x7)                                  # enable, auto-reload, IRQ enable
    run_to(clock, 1000)
    assert rec.changes == [(1000, True)] and t.read(0x0C, 4) == 1
    t.write(0x0C, 4, 1)                                    # clear the event flag
    run_to(clock, 1000 + 1010)
    assert [c[0] for c in rec.changes if c[1]] == [1000, 2010]


def test_mptimer_prescaler_and_counter_reads():
    clock = VirtualClock(0)
    t = MPTimer(clock)
    t.write(0x00, 4, 50)
    t.write(0x08, 4, 0x1 | (9 << 8))                       # one-shot, prescaler 9: 100 ns/tick
    run_to(clock, 1050)
    assert t.read(0x04, 4) == 40                           # floor(3950/100) + 1 (no round-down)
    run_to(clock, 6000)
    assert t.read(0x04, 4) == 0 and t.read(0x0C, 4) == 1


def test_a9_global_timer_comparator_with_auto_increment():
    clock = VirtualClock(0)
    rec = Recorder(clock)
    g = A9GlobalTimer(clock, rec.line)
    g.write(0x10, 4, 100)                                  # comparator = 100 ticks
    g.write(0x18, 4, 50)                                   # auto-increment
    g.write(0x08, 4, 0xF)                                  # enable, comp, IRQ, auto-inc
    run_to(clock, 2000)
    # QEMU arms the comparator event one tick after the match: tick 101 (1010 ns)
    assert rec.changes == [(1010, True)] and g.read(0x0C, 4) == 1
    # auto-increment at ticks 101 and 151: the comparator stays ahead of the counter
    assert g.read(0x10, 4) == 200 and g.read(0x00, 4) == 200


# -- generic timer (ARM ARM B8) -----------------------------------------------------------------

def test_generic_timer_tval_ctl_and_interrupt():
    clock = VirtualClock(0)
    rec = Recorder(clock)
    gt = GenericTimer(clock, phys_irq=rec.line)
    assert gt.read(GtReg.CNTFRQ) == 62_500_000
    run_to(clock, 1600)
    assert gt.read(GtReg.CNTPCT) == 100
    gt.write(GtReg.CNTP_TVAL, 10)                          # CVAL = 110
    assert gt.read(GtReg.CNTP_CVAL) == 110
    gt.write(GtReg.CNTP_CTL, 1)
    run_to(clock, 110 * 16 - 1)
    assert rec.changes == [] and gt.read(GtReg.CNTP_TVAL) == 1
    run_to(clock, 110 * 16)
    assert rec.changes == [(1760, True)] and gt.read(GtReg.CNTP_CTL) == 1 | CTL_ISTATUS
    run_to(clock, 2000)
    assert gt.read(GtReg.CNTP_TVAL) == (110 - 125) & 0xFFFFFFFF   # negative once expired
    gt.write(GtReg.CNTP_CTL, 3)                            # IMASK
    assert rec.changes[-1] == (2000, False)
    gt.write(GtReg.CNTP_CTL, 0)
    assert gt.read(GtReg.CNTP_CTL) == 0


def test_generic_timer_pl0_access_follows_cntkctl():
    gt = GenericTimer(VirtualClock())
    assert not gt.accessible_from_pl0(GtReg.CNTPCT, False)
    gt.write(GtReg.CNTKCTL, 0x1)                           # PL0PCTEN
    assert gt.accessible_from_pl0(GtReg.CNTPCT, False) and gt.accessible_from_pl0(GtReg.CNTFRQ, False)
    assert not gt.accessible_from_pl0(GtReg.CNTVCT, False) and not gt.accessible_from_pl0(GtReg.CNTFRQ, True)
    gt.write(GtReg.CNTKCTL, 0x302)                         # PL0VCTEN, PL0VTEN, PL0PTEN
    assert gt.accessible_from_pl0(GtReg.CNTV_CTL, True) and gt.accessible_from_pl0(GtReg.CNTP_TVAL, True)
    assert not gt.accessible_from_pl0(GtReg.CNTKCTL, False)


def test_generic_timer_cp15_encodings():
    assert GenericTimer.decode32(0, 14, 0, 0) == GtReg.CNTFRQ
    assert GenericTimer.decode32(0, 14, 2, 1) == GtReg.CNTP_CTL
    assert GenericTimer.decode32(0, 14, 3, 0) == GtReg.CNTV_TVAL
    assert GenericTimer.decode64(1, 14) == GtReg.CNTVCT
    assert GenericTimer.decode64(3, 14) == GtReg.CNTV_CVAL
    assert GenericTimer.decode32(0, 13, 0, 0) is None


# -- system registers and RTC ------------------------------------------------------------------

def test_sysregs_24mhz_counter_and_lock():
    clock = VirtualClock(3)
    s = SysRegs(clock, sys_id=0x41007004, proc_id=0x02000000)
    run_to(clock, 125_000)                                 # 1 ms of virtual time
    assert s.read(0x5C, 4) == 24_000
    s.write(0x20, 4, 0x1234)
    assert s.read(0x20, 4) == 0x1234
    s.write(0x20, 4, 0xA05F)
    assert s.read(0x20, 4) == 0xA05F


def test_vexpress_sys_cfg_shutdown_and_reboot_reach_the_machine():
    events = []
    s = SysRegs(VirtualClock(), sys_id=0x1190F500, proc_id=0x0C000191,
                power=PowerHooks(shutdown=lambda: events.append("off"), reset=lambda: events.append("reset")))
    s.write(0xA4, 4, (1 << 31) | (1 << 30) | (8 << 20))    # start, write, SHUTDOWN, site MB
    assert events == ["off"] and s.read(0xA8, 4) == 1 and s.read(0xA4, 4) >> 31 == 0
    s.write(0xA4, 4, (1 << 31) | (1 << 30) | (9 << 20))    # REBOOT
    assert events == ["off", "reset"]
    s.write(0xA4, 4, (1 << 31) | (4 << 20))                # TEMP: not modelled -> error
    assert s.read(0xA8, 4) == 3


def test_versatile_reset_control_needs_the_lock():
    events = []
    s = SysRegs(VirtualClock(), sys_id=0x41007004, proc_id=0, power=PowerHooks(reset=lambda: events.append(1)))
    s.write(0x40, 4, 0x100)
    assert events == []
    s.write(0x20, 4, 0xA05F)
    s.write(0x40, 4, 0x100)
    assert events == [1]


def test_pl031_counts_virtual_seconds_and_matches():
    clock = VirtualClock(0)
    rec = Recorder(clock)
    r = PL031(clock, rec.line, epoch=1000)
    assert r.read(0x00, 4) == 1000
    r.write(0x10, 4, 1)                                    # IMSC
    r.write(0x04, 4, 1002)                                 # match in 2 s
    run_to(clock, 2_000_000_000)
    assert r.read(0x00, 4) == 1002 and rec.changes == [(2_000_000_000, True)]
    r.write(0x1C, 4, 1)
    assert not rec.line.level


# -- PL061 (DDI 0190; QEMU pl061.c) -----------------------------------------------------------

def test_pl061_input_edges_and_levels():
    from vtrans.runtime.devices.pl061 import PL061

    rec = Recorder(VirtualClock())
    g = PL061(rec.line)
    g.write(0x410, 4, 0xFF)                                # IE
    g.write(0x40C, 4, 0x01)                                # pin 0: rising edge
    g.inputs[0].raise_()
    assert g.read(0x414, 4) == 1 and rec.line.level and g.read(0x004, 4) == 1
    g.write(0x41C, 4, 1)
    g.inputs[0].lower()
    assert g.read(0x414, 4) == 0                           # falling edge: not selected
    g.write(0x408, 4, 0x02)                                # pin 1: both edges
    g.inputs[1].raise_()
    g.write(0x41C, 4, 2)
    g.inputs[1].lower()
    assert g.read(0x414, 4) == 2
    g.write(0x41C, 4, 0xFF)
    g.write(0x404, 4, 0x04)                                # pin 2: level, low (IEV 0)
    assert g.read(0x414, 4) == 4
    g.write(0x41C, 4, 4)
    assert g.read(0x414, 4) == 4                           # still low: re-asserted at once
    g.write(0x400, 4, 0x08)                                # pin 3 output: input changes are lost
    g.inputs[3].raise_()
    assert g.read(0x020, 4) == 0


# -- robustness: no guest access can make a device model raise ------------------------------------

from vtrans.runtime.boards import board_names, get_board  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(board_names()),
       st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 0xFFF), st.sampled_from([1, 2, 4]),
                          st.booleans(), st.integers(0, 0xFFFFFFFF), st.integers(0, 3000)),
                min_size=1, max_size=200))
def test_random_accesses_never_raise(board_name, ops):
    """Whatever a guest writes or reads, in any size and at any offset, the models answer
    (unknown registers read 0 and ignore writes, as QEMU's do) and time keeps working."""
    clock = VirtualClock(3)
    board = get_board(board_name).build(clock)
    devices = [dev for _base, dev in board.devices]
    for pick, offset, size, write, value, step in ops:
        dev = devices[pick % len(devices)]
        offset = (offset % dev.size) & ~(size - 1)
        if write:
            dev.write(offset, size, value & ((1 << (8 * size)) - 1))
        else:
            assert 0 <= dev.read(offset, size) < 1 << (8 * size)
        run_to(clock, clock.insns + step)
    board.reset()
