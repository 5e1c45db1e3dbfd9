"""The machine against its references: QEMU for boot conventions and unassigned accesses;
itself (bit-for-bit) for determinism; and the two instruction-counter granularities against
each other (per block for A32 code, per instruction for Thumb), which must agree exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from guestlib import BOARD_LAYOUT, GUESTS, guest_console, qemu_run, vtrans_run, vtrans_run_in
from vtrans.isa.arm.semihosting import HostIO
from vtrans.runtime.boards import get_board
from vtrans.runtime.loader import read_image
from vtrans.runtime.machine import Machine
from vtrans.runtime.stats import ExitReason

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "arm"


def machine_for(image: Path, board: str, *, per_insn: bool = False, icount_shift: int = 3):
    out = bytearray()
    io = HostIO(console=out.extend, stdout=out.extend, stderr=out.extend)
    m = Machine(get_board(board), io=io, uart_output=out.extend, icount_shift=icount_shift)
    img = read_image(str(image), m.spec)
    if per_insn:
        img.has_thumb = True  # forces the per-instruction counter
    m.load(img)
    return m, out


def build_sample(guest_builder, name: str, board: str, base: int) -> Path:
    sources = {"timer_vic": ["timer_vic.s"], "timer_gic": ["timer_gic.s"],
               "bench_cpu_small": ["start.s", "bench_small.s"]}[name]
    directory = SAMPLES / ("bench_cpu" if name.startswith("bench") else name)
    objs = []
    for src in sources:
        obj = guest_builder.tmp / f"{name}_{Path(src).stem}.o"
        subprocess.run([guest_builder.arm_as, "-o", str(obj), src], cwd=directory, check=True, capture_output=True)
        objs.append(str(obj))
    elf = guest_builder.tmp / f"{name}.elf"
    subprocess.run([guest_builder.arm_ld, f"-Ttext=0x{base:x}", "-o", str(elf), *objs], check=True,
                   capture_output=True)
    return elf


@pytest.mark.qemu
@pytest.mark.parametrize("ram_mib", [128, 256])
def test_virt_device_tree_is_qemus(ram_mib: int, tmp_path, qemu_arm) -> None:
    """The blob a raw kernel gets on virt, byte for byte: QEMU's own dump of it (dtb-randomness
    off: QEMU's deterministic tree), memory node included."""
    import subprocess

    from vtrans.runtime.loader import device_tree

    kernel = tmp_path / "k.bin"
    kernel.write_bytes(bytes.fromhex("feffffea"))   # b .
    dump = tmp_path / "virt.dtb"
    subprocess.run([qemu_arm, "-M", f"virt,dtb-randomness=off,dumpdtb={dump}", "-cpu", "cortex-a15",
                    "-nic", "none", "-m", str(ram_mib), "-display", "none", "-serial", "null", "-monitor", "none",
                    "-kernel", str(kernel)], check=True, capture_output=True, timeout=30)
    assert device_tree(get_board("virt"), ram_mib << 20) == dump.read_bytes()


@pytest.mark.gnu
def test_virt_device_tree_follows_the_machines_ram(guest_builder) -> None:
    """A raw image on a virt machine with 256 MiB: the tree (and r2, in the boot stub) where
    QEMU puts them for that size, loader_start + 128 MiB."""
    from vtrans.runtime.loader import device_tree

    spec = get_board("virt")
    elf = guest_builder.build(GUESTS / "bootregs.s", "virt")
    m = Machine(spec, ram_size=256 << 20, io=HostIO(console=lambda b: None, stdout=lambda b: None,
                                                     stderr=lambda b: None))
    m.load(read_image(str(guest_builder.raw(elf)), spec))
    assert m.memory.read(0x48000000, 0x100000) == device_tree(spec, 256 << 20)
    assert m.memory.read32(spec.loader_start + 4 * 8) == 0x48000000


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("text", [0x40010000, 0x40200000])
def test_virt_device_tree_for_an_elf_image_like_qemu(text: int, guest_builder, qemu_arm) -> None:
    """An ELF image gets the tree at the start of RAM only when it fits below the image."""
    image = guest_builder.build(GUESTS / "ram_head.s", "virt", name=f"ram_head_{text:x}", text=text)
    ref = qemu_run(qemu_arm, image, "virt")
    got = vtrans_run(image, "virt")
    assert ref.returncode == 0
    assert ref.semihost.split()[0] == (b"edfe0dd0" if text == 0x40200000 else b"00000000")
    assert got.semihost == ref.semihost


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board", ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"])
@pytest.mark.parametrize("raw", [False, True], ids=["elf", "raw"])
def test_boot_registers_and_atags_match_qemu(board: str, raw: bool, guest_builder, qemu_arm) -> None:
    """hw/arm/boot.c: ELF straight from reset; raw image through the boot stub with r0/r1/r2
    (r2: the ATAGs, or on virt the device tree, whose header the guest prints)."""
    elf = guest_builder.build(GUESTS / "bootregs.s", board)
    image = guest_builder.raw(elf) if raw else elf
    ref = qemu_run(qemu_arm, image, board)
    got = vtrans_run(image, board)
    assert ref.returncode == 0 and len(ref.semihost.splitlines()) >= 5
    assert got.semihost.decode() == ref.semihost.decode()
    assert got.returncode == ref.returncode


#: execution modes for the unassigned-access guests: native with A32 blocks translated without
#: Unicorn's per-access exit checks (the default) and with them, a pre-virtualized image, binary
#: translation (trap-and-emulate cannot run them: their ``cps`` is a silent no-op in User mode)
UNASSIGNED_MODES = ["native", "native:checks", "previrt:stub", "bt"]


def _run_in(image, board: str, mode: str, monkeypatch):
    if mode == "native:checks":
        monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
        mode = "native"
    return vtrans_run_in(image, board, mode)


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", UNASSIGNED_MODES)
def test_unassigned_access_aborts_like_qemu_on_virt(mode, guest_builder, qemu_arm, monkeypatch) -> None:
    image = guest_builder.build(GUESTS / "unassigned.s", "virt", defsyms={"ADDR": 0x0C000000})
    ref = qemu_run(qemu_arm, image, "virt")
    got = _run_in(image, "virt", mode, monkeypatch)
    assert ref.semihost.count(b"\n") == 4
    assert guest_console(got) == ref.semihost.decode()
    assert got.returncode == ref.returncode == 0


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "native:checks"])
def test_code_rewritten_later_in_its_own_block_counts_like_qemu(mode, guest_builder, qemu_arm, monkeypatch) -> None:
    """The rewritten instruction runs, and the instruction count (the generic timer's count
    under -icount shift=0) is QEMU's: the block left at the store is not counted twice."""
    image = guest_builder.build(GUESTS / "smc_block.s", "virt")
    ref = qemu_run(qemu_arm, image, "virt", icount_shift=0)
    assert ref.returncode == 0 and ref.semihost.split()[1] == b"000003e9"
    if mode == "native:checks":
        monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
    got = vtrans_run(image, "virt", "--icount-shift", "0")
    assert guest_console(got) == ref.semihost.decode()


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", UNASSIGNED_MODES)
def test_unassigned_access_through_the_mmu_aborts_like_qemu_on_virt(mode, guest_builder, qemu_arm,
                                                                    monkeypatch) -> None:
    """Loads and stores to nothing through a virtual mapping, each followed by more instructions
    in its block: the abort comes before them, with the virtual address in DFAR."""
    image = guest_builder.build(GUESTS / "unassigned_mmu.s", "virt", defsyms={"ADDR": 0x0C000000})
    ref = qemu_run(qemu_arm, image, "virt")
    got = _run_in(image, "virt", mode, monkeypatch)
    assert ref.semihost.count(b"\n") == 10 and b"80000024" in ref.semihost
    assert guest_console(got) == ref.semihost.decode()
    assert got.returncode == ref.returncode == 0


@pytest.mark.gnu
@pytest.mark.parametrize("name,board,base,shift", [
    ("timer_vic", "versatilepb", 0x10000, 6),
    ("timer_gic", "vexpress-a9", 0x60010000, 6),
])
def test_interrupt_driven_runs_are_deterministic(name, board, base, shift, guest_builder) -> None:
    """Same run twice, and with the other counter granularity: identical output, instruction
    count, virtual time and final architectural state (registers, banks, cp15, memory)."""
    image = build_sample(guest_builder, name, board, base)
    results = []
    for per_insn in (False, False, True):
        m, out = machine_for(image, board, per_insn=per_insn, icount_shift=shift)
        stats = m.run(timeout=60)
        assert stats.exit_reason == ExitReason.SEMIHOST_EXIT
        assert stats.interrupts["irq"] > 0
        results.append((bytes(out), stats.instructions, stats.virtual_ns, m.final_state().to_dict()))
    assert results[0] == results[1] == results[2]


@pytest.mark.gnu
def test_max_insns_is_exact_in_both_granularities(guest_builder) -> None:
    image = build_sample(guest_builder, "bench_cpu_small", "virt", 0x40010000)
    for n in (1, 2, 7, 1000, 123457, 1000003):
        states = []
        for per_insn in (False, True):
            m, _ = machine_for(image, "virt", per_insn=per_insn)
            stats = m.run(max_insns=n)
            assert stats.exit_reason == ExitReason.MAX_INSNS
            assert stats.instructions == n
            states.append(m.final_state().to_dict())
        assert states[0] == states[1]


def _asm_guest(guest_builder, text: str, board: str, name: str) -> Path:
    src = guest_builder.tmp / f"{name}.s"
    src.write_text(".syntax unified\n.arm\n.global _start\n_start:\n" + text + "\n")
    return guest_builder.build(src, board, name=name)


@pytest.mark.gnu
@pytest.mark.parametrize("body,reason,message", [
    ("cpsid if\n wfi\n b .", ExitReason.HALTED, "wfi"),
    ("cpsid if\n b .", ExitReason.HALTED, "branch-to-self"),
    ("cpsie if\n b .", ExitReason.HALTED, "no interrupt can ever arrive"),
    # vectors at VBAR: the undefined-instruction vector is itself undefined
    ("adr r0, vec\n mcr p15, 0, r0, c12, c0, 0\n .word 0xe7f000f0\n .balign 32\n"
     "vec: b .\n .word 0xe7f000f0\n b .\n b .\n b .\n b .\n b .\n b .", ExitReason.DEAD, "undefined"),
    # a handler that returns to the undefined instruction and changes nothing: a livelock
    ("adr r0, vec\n mcr p15, 0, r0, c12, c0, 0\n mov r1, #0\n .word 0xe7f000f0\n b .\n .balign 32\n"
     "vec: b .\n subs pc, lr, #4\n b .\n b .\n b .\n b .\n b .\n b .", ExitReason.DEAD,
     "64 times in a row by the same instruction in the same register state"),
    # ... one that counts its retries in a register before skipping it is alive
    ("adr r0, vec\n mcr p15, 0, r0, c12, c0, 0\n mov r1, #0\n .word 0xe7f000f0\n mov r0, #0x18\n"
     " ldr r1, =0x20026\n svc 0x123456\n .balign 32\n"
     "vec: b .\n b und\n b .\n b .\n b .\n b .\n b .\n b .\n"
     "und: add r1, r1, #1\n cmp r1, #100\n subslo pc, lr, #4\n movs pc, lr", ExitReason.SEMIHOST_EXIT, "code 0"),
])
def test_run_end_conditions(body, reason, message, guest_builder) -> None:
    image = _asm_guest(guest_builder, body, "vexpress-a9", f"end_{abs(hash(body)) % 10**8}")
    m, _ = machine_for(image, "vexpress-a9")
    stats = m.run(timeout=30)
    assert stats.exit_reason == reason, stats.message
    assert message in stats.message


@pytest.mark.gnu
def test_guest_error_is_reported_not_raised(guest_builder) -> None:
    """A fetch from nowhere with no vector code: a dead guest, with the PC in the message."""
    image = _asm_guest(guest_builder, "ldr r0, =0x0c000000\n bx r0", "virt", "jump_nowhere")
    got = vtrans_run(image, "virt")
    assert got.returncode == 3
    assert b"Traceback" not in got.stderr
    assert b"dead-guest" in got.stderr or b"guest-error" in got.stderr


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("shift", [4, 8])
@pytest.mark.parametrize("thumb", [False, True], ids=["arm", "thumb"])
def test_virtual_time_is_qemu_icount_time(shift: int, thumb: bool, guest_builder, qemu_arm) -> None:
    """The generic timer's counter read through the cp15 interception equals QEMU's under
    -icount shift=N: the same instruction count, the same virtual time, to the tick (A32
    code counted per block, Thumb code per instruction)."""
    image = guest_builder.build(GUESTS / "generic_timer.s", "virt", text=0x40010000,
                                name=f"generic_timer_{'thumb' if thumb else 'arm'}",
                                defsyms={"THUMB": 1} if thumb else None)
    ref = qemu_run(qemu_arm, image, "virt", icount_shift=shift)
    got = vtrans_run(image, "virt", "--icount-shift", str(shift))
    assert len(ref.semihost.splitlines()) == 4
    assert got.semihost == ref.semihost


@pytest.mark.gnu
def test_python_counter_fallback_counts_the_same(guest_builder, monkeypatch) -> None:
    """Without a C compiler the counter is a Python hook: slower, same numbers."""
    from vtrans.runtime import icount

    image = build_sample(guest_builder, "timer_vic", "versatilepb", 0x10000)
    m, out = machine_for(image, "versatilepb", icount_shift=6)
    native = (m.run(timeout=60).instructions, bytes(out), m.final_state().to_dict())
    assert m.icount.native
    monkeypatch.setattr(icount, "_load_library", lambda: None)
    m, out = machine_for(image, "versatilepb", icount_shift=6)
    assert not m.icount.native
    fallback = (m.run(timeout=60).instructions, bytes(out), m.final_state().to_dict())
    assert fallback == native


@pytest.mark.gnu
def test_python_counter_fallback_counts_thumb_it_blocks_the_same(guest_builder, monkeypatch) -> None:
    """Three counters of Thumb code agree: the C per-block one (each block's count read from its
    code, every IT slot in it included), the C per-instruction one (a Thumb-1 CPU's: an IT block
    counted at its IT instruction, runs bounded inside a block, pending slots) and the Python
    fallback of the latter -- on a Thumb loop with IT blocks interrupted inside them by a timer
    (a program of the interrupt-timing test, whose numbers are QEMU's)."""
    from test_irq_timing_vs_qemu import program
    from vtrans.runtime import icount
    from vtrans.runtime.machine import Machine

    text, _ = program("realview-pb-a8", 1, thumb=True)
    image = guest_builder.build_text(text, "realview-pb-a8", "irq_timing_thumb_fallback")
    m, out = machine_for(image, "realview-pb-a8")
    per_block = (m.run(timeout=60).instructions, bytes(out), m.final_state().to_dict())
    assert m.icount.native and m.icount.thumb_blocks
    count_thumb = Machine._count_thumb
    with monkeypatch.context() as patch:
        patch.setattr(Machine, "_count_thumb", lambda self, per_block=True: count_thumb(self, False))
        m, out = machine_for(image, "realview-pb-a8")
        per_insn = (m.run(timeout=60).instructions, bytes(out), m.final_state().to_dict())
        assert m.icount.native and not m.icount.per_block
    assert per_insn == per_block
    monkeypatch.setattr(icount, "_load_library", lambda: None)
    m, out = machine_for(image, "realview-pb-a8")
    assert not m.icount.native
    fallback = (m.run(timeout=60).instructions, bytes(out), m.final_state().to_dict())
    assert fallback == per_block


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap", "bt"])
@pytest.mark.parametrize("board", ["versatilepb", "realview-pb-a8", "vexpress-a9"])
def test_unassigned_addresses_read_as_zero_like_qemu(board: str, mode: str, guest_builder, qemu_arm) -> None:
    """RAZ/WI boards: a store with writeback as the first access to a page, an stm and an ldm
    running off the end of RAM, an access at the top of the address space (which crashed when
    the page was mapped from inside Unicorn's access helper; it is now mapped as the TLB
    translates it) -- all as on QEMU."""
    ram = BOARD_LAYOUT[board][0]
    image = guest_builder.build(GUESTS / "raz.s", board, defsyms={"RAM_END": ram + (128 << 20), "HOLE": 0x50000000})
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0 and ref.semihost.split()[4:6] == [b"11111111", b"22222222"]
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()


@pytest.mark.gnu
def test_a_retried_access_counts_once_in_both_granularities(guest_builder) -> None:
    """The first access to an unassigned page maps it read-as-zero while the TLB translates it
    (Machine._data_page): the instruction runs once and counts once.  Reference: the same
    program with its "hole" in RAM (the same instructions run; only the page at the top of the
    address space is unassigned there)."""
    counts = {}
    for name, syms in (("raz_hole", {"RAM_END": 128 << 20, "HOLE": 0x50000000}),
                       ("raz_ram", {"RAM_END": 0x400000, "HOLE": 0x300000})):
        image = guest_builder.build(GUESTS / "raz.s", "versatilepb", name=name, defsyms=syms)
        runs = []
        for per_insn in (False, True):
            m, _ = machine_for(image, "versatilepb", per_insn=per_insn)
            stats = m.run(timeout=60)
            assert stats.exit_reason == ExitReason.SEMIHOST_EXIT
            runs.append((stats.instructions, m.final_state().to_dict()))
        assert runs[0] == runs[1]
        counts[name] = runs[0][0]
    assert counts["raz_hole"] == counts["raz_ram"]
