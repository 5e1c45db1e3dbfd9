"""``--mode previrt [--strategy hypercall|stub|pad]``: run an image made by ``vtrans rewrite``.

The guest kernel runs deprivileged under the VMM (``runtime/vmm.py``) like in
trap mode, but every sensitive instruction has been replaced, so nothing escapes
the VMM and the guest behaves exactly as it does natively:

* ``hypercall`` — each site is ``svc{cond} #0x800000|index``: the VMM emulates the
  original word from its own copy of ``.vtrans.hypercalls``, inside Unicorn's
  interrupt hook (no stop/restart of the CPU).
* ``stub`` — each site branches to an emulation stub in ``.vtrans.stubs`` that works
  on the guest-owned vCPU block ``__vtrans_vcpu``; the VMM loads that block on every
  entry and stores it back before the guest resumes, and is entered by the stubs
  only for what they cannot do (class-0 hypercalls, the SYNC service).
* ``pad`` — the original instructions are still there, followed by NOPs, and
  listed in ``.vtrans.sites``: at load time the VMM patches each site's first word
  into an unconditional class-0 hypercall whose table is the sites' original words
  (Afterburner's load-time patching; the emulator checks the original's condition),
  and the NOPs run as they do on bare hardware.  A padded image has its own layout,
  so its reference is native execution of the same padded image.

The strategy is read from the image's sections when not given.

Clock: a hypercall's ``svc`` is one instruction, as the original was; the NOPs of
a padded site are instructions of that image, natively too; stub instructions are not guest
instructions — a block hook over ``.vtrans.stubs`` takes each stub block's
instructions back off the counter as the block starts, so a device deadline never
falls inside a stub and every timer interrupt lands on the guest instruction it
lands on natively.
"""

from __future__ import annotations

import logging

import unicorn

from vtrans.errors import ImageError, UsageError
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.ucfast import fast
from vtrans.isa.arm.vcpu import PSR_E
from vtrans.runtime.stats import ExitReason
from vtrans.runtime.vmm import HypercallTable, Vmm, VmmMode, hypercall_table_from_elf

log = logging.getLogger(__name__)

STRATEGIES = ("hypercall", "stub", "pad")


def detect_strategy(path: str) -> str:
    table, block, stubs, sites = hypercall_table_from_elf(path)
    if sites or _has_section(path, hc.SECTION_SITES):   # (a binary-padded image may have no site)
        return "pad"
    if stubs or block is not None:
        return "stub"
    if table is None:
        log.warning("%s: no %s, %s or %s section: an image without sensitive instructions, or one not "
                    "made by `vtrans rewrite`", path, hc.SECTION_HYPERCALLS, hc.SECTION_STUBS, hc.SECTION_SITES)
    return "hypercall"


def _has_section(path: str, name: str) -> bool:
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        return ELFFile(f).get_section_by_name(name) is not None


class PrevirtMode(VmmMode):
    name = "previrt"

    def __init__(self, image_path: str | None = None, strategy: str | None = None):
        super().__init__()
        if image_path is None:
            raise UsageError("--mode previrt needs the rewritten ELF image (its table sections)")
        self.image_path = image_path
        self.strategy = strategy or detect_strategy(image_path)
        if self.strategy not in STRATEGIES:
            raise UsageError(f"unknown strategy '{self.strategy}' (hypercall, stub or pad)")
        self.table, self.block, self.stubs, self.sites = hypercall_table_from_elf(image_path)
        if self.strategy == "pad":
            self.table = HypercallTable(tuple(s.original for s in self.sites))
        elif self.table is None:
            # an image without a single site: the linker drops empty table sections
            log.info("%s has no %s section: no sites", image_path, hc.SECTION_HYPERCALLS)
            self.table = HypercallTable(())
        if self.strategy == "stub" and self.block is None and len(self.table):
            raise ImageError(f"{image_path}: --strategy stub needs the vCPU block {hc.VCPU_SYMBOL}")
        self.stub_insns = 0
        self.stub_base: int | None = None

    @classmethod
    def from_cli(cls, args) -> "PrevirtMode":
        """``vtrans run IMAGE --mode previrt [--strategy S]``: the tables are read from IMAGE."""
        inputs = getattr(args, "inputs", [])
        if len(inputs) != 1 or inputs[0].endswith((".s", ".S", ".asm")):
            raise UsageError("--mode previrt runs one ELF image made from `vtrans rewrite` output "
                             "(its table sections are read from the file)")
        return cls(inputs[0], getattr(args, "strategy", None))

    def vmm_options(self) -> dict:
        opts: dict = {"hypercalls": self.table}
        if self.strategy == "stub":
            opts["vcpu_block"] = self.block
            opts["stub_ranges"] = self.stubs
        return opts

    def prepare(self, vmm: Vmm) -> None:
        uc = self.machine.uc
        if self.strategy == "pad":
            # load-time patching: the site's first word becomes an unconditional class-0
            # hypercall (the emulator checks the original's condition), the NOPs are skipped
            for index, site in enumerate(self.sites):
                word = hc.encode_hypercall(hc.HypercallClass.EMULATE, index)
                vmm.mmu.write_bytes(site.address, word.to_bytes(4, "little"))
            self.machine.flush_blocks()
            log.info("patched %d pad sites", len(self.sites))
        if self.strategy == "stub":
            vmm.on_stub_entry = self.stub_entry
            for lo, hi in self.stubs:
                uc.hook_add(unicorn.UC_HOOK_BLOCK, self._stub_block, begin=lo, end=hi - 1)

    def _stub_block(self, uc: unicorn.Uc, address: int, size: int, _user) -> None:
        """A block of stub code starts: its instructions are not guest instructions.  (Entered
        with big-endian data, the run stops: see ARCHITECTURE.md, the stub strategy's limits.)

        The machine's counter (a block hook too) adds a block's instructions as it enters it;
        whichever of the two hooks runs first, the count after the block is the count before
        it.  ``stub_base`` remembers that count for a VMM entry from inside the stub (the
        machine's ``retire_through`` counts the stub instructions up to the ``svc``)."""
        st = self.machine.icount.state
        if st.reason:
            return  # the counter stopped the CPU before this block: it will be entered again
        n = size // 4
        entered = st.block_start == address  # the counter's hook ran first and counted it
        self.stub_base = st.block_base if entered else st.count
        self.stub_insns += n
        st.count -= n
        if entered:
            st.block_base -= n
        if fast(uc).read(unicorn.arm_const.UC_ARM_REG_CPSR) & PSR_E:
            # the stubs' loads of the vCPU block and of their literals would be byte-reversed
            self.machine.request_stop(
                ExitReason.GUEST_ERROR,
                f"stub at 0x{address:08x} entered with big-endian data (CPSR.E, setend be): the stub "
                "strategy's stubs read the vCPU block little-endian; rewrite with --strategy hypercall or pad", 3)

    def stub_entry(self) -> None:
        """A VMM entry from inside a stub: the stub's instructions so far do not count."""
        st = self.machine.icount.state
        if self.stub_base is not None:
            st.count = self.stub_base
            st.block_base = st.count
            st.block_start = 0xFFFFFFFFFFFFFFFF


MODE = PrevirtMode
