"""One emulated CPU shared by several VMs: partitions, hook ownership and the world switch.

There is a single Unicorn instance.  Each VM sees it through a ``CpuPort``, an
object with Unicorn's interface that the VM's ``Machine`` (and its execution
mode, VMM, translator) uses as if it owned the CPU:

* **Partitions.**  VM *k* owns the host-physical window
  ``[(k+1) << 32, (k+2) << 32)``: every guest-physical address the VM maps
  (RAM with ``mem_map_ptr``, devices with ``mmio_map``, read-as-zero pages)
  and every physical access it makes (``mem_read``/``mem_write``) is offset into
  that window by its port.  Unicorn runs with ``UC_TLB_VIRTUAL``: the VM's own
  TLB-fill hook turns a guest-virtual into a guest-physical address (a 32-bit
  number) and the port adds the partition base — a second translation stage, as
  the ARM virtualization extensions' stage 2 (DDI 0406C B3.1, "Virtualization
  Extensions").  A guest therefore cannot even *name* another VM's memory, the
  hypervisor's memory or another VM's translation cache; the partition offset is
  outside its 32-bit address space.
* **Hook ownership.**  A hook a VM installs through its port runs only while that
  VM is on the CPU; for the others it answers "not handled", which is exactly how
  Unicorn chains several hooks of one kind (the first that returns True wins,
  measured on Unicorn 2.1.4).  Callbacks receive the port, not the raw CPU.
  The native instruction-count hook (``runtime/icount.py``) is installed through
  the raw handle, so the world switch removes and re-adds it.
* **World switch** (``SharedCpu.switch_to``): Unicorn's CPU context — GPRs,
  CPSR, every mode's banked SP/LR/SPSR, FIQ r8–r12, the whole cp15 file
  (SCTLR, TTBRs, DACR, VBAR, FSR/FAR, ...) and VFP — is saved for the outgoing
  VM and restored for the incoming one, its counter hook swapped, and the TLB
  flushed (its translations are the outgoing VM's guest-virtual mappings).  The
  translated-code cache need not be flushed: it is indexed by host-physical
  address, which the partitions keep distinct, and QEMU's TLB flush clears the
  virtual-PC jump cache.
"""

from __future__ import annotations

import ctypes
import logging
import time
from typing import Any, Callable

import unicorn

from vtrans.errors import GuestError, UsageError
from vtrans.isa.arm.ucfast import reset_security_state

log = logging.getLogger(__name__)

#: size of one VM's guest-physical space (A32 without LPAE: 32-bit physical addresses)
PARTITION_SIZE = 1 << 32
#: Unicorn's ARM CPU has a 40-bit physical address space: partitions 1..254 fit; keep a margin
MAX_VMS = 64

_TLB_FILL = unicorn.UC_HOOK_TLB_FILL
_MEM_UNMAPPED = unicorn.UC_HOOK_MEM_UNMAPPED


def partition_base(index: int) -> int:
    """Host-physical base of VM ``index``'s partition (partition 0 stays unused: a
    stray access with no offset hits nothing)."""
    if not 0 <= index < MAX_VMS:
        raise UsageError(f"at most {MAX_VMS} VMs share one CPU")
    return (index + 1) * PARTITION_SIZE


class CpuPort:
    """A VM's view of the shared CPU: Unicorn's interface, offset into its partition."""

    def __init__(self, shared: "SharedCpu", index: int, name: str):
        self.shared = shared
        self.index = index
        self.name = name
        self.base = partition_base(index)
        uc = shared.uc
        self._real = uc
        # hot paths: bound straight to the real CPU (registers are the active VM's by construction)
        self.reg_read = uc.reg_read
        self.reg_write = uc.reg_write
        self.emu_stop = uc.emu_stop
        self._uch = uc._uch
        #: saved CPU context while the VM is off the CPU (None: never ran, starts from reset)
        self.context: Any = None
        #: the machine whose native counter hook the world switch swaps (``bind``)
        self.machine = None
        self._counter_on = True
        self._counter_swapped = False
        #: world switches onto this VM
        self.switches_in = 0
        self._hooks: list[int] = []
        #: called by the INTR hook before the VM's own hooks: True means "handled by the
        #: hypervisor" (inter-VM messaging hypercalls)
        self.intercept: Callable[[int], bool] | None = None

    # -- helpers --------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.shared.active is self

    def _pa(self, addr: int, size: int = 1) -> int:
        if addr < 0 or addr + max(size, 1) > PARTITION_SIZE:
            raise GuestError(f"guest-physical address 0x{addr:x}+0x{size:x} is outside the VM's 32-bit space")
        return self.base + addr

    # -- Unicorn interface ------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # everything not partition-relevant (ctl_*, cpr_*, query, ...) goes to the real CPU
        return getattr(self._real, name)

    def emu_start(self, begin: int, until: int, timeout: int = 0, count: int = 0) -> None:
        if not self.active:
            raise RuntimeError(f"VM {self.name} started while another VM is on the CPU")
        self._real.emu_start(begin, until, timeout, count)

    def ctl_set_cpu_model(self, model: int) -> None:
        if model != self.shared.cpu_model:
            raise UsageError(f"VM {self.name}: every VM on one CPU must use the same CPU model "
                             f"({self.shared.cpu_model} here, {model} asked)")

    def ctl_set_tlb_mode(self, mode: int) -> None:
        if mode != unicorn.UC_TLB_VIRTUAL:
            raise UsageError("VMs on a shared CPU need the software TLB (UC_TLB_VIRTUAL): it carries the "
                             "partition offset")

    def mem_map(self, address: int, size: int, perms: int = unicorn.UC_PROT_ALL) -> None:
        self._real.mem_map(self._pa(address, size), size, perms)

    def mem_map_ptr(self, address: int, size: int, perms: int, ptr: int) -> None:
        self._real.mem_map_ptr(self._pa(address, size), size, perms, ptr)

    def mmio_map(self, address: int, size: int, read_cb, read_ud, write_cb, write_ud) -> None:
        self._real.mmio_map(self._pa(address, size), size, read_cb, read_ud, write_cb, write_ud)

    def mem_unmap(self, address: int, size: int) -> None:
        self._real.mem_unmap(self._pa(address, size), size)

    def mem_protect(self, address: int, size: int, perms: int = unicorn.UC_PROT_ALL) -> None:
        self._real.mem_protect(self._pa(address, size), size, perms)

    def mem_read(self, address: int, size: int) -> bytearray:
        return self._real.mem_read(self._pa(address, size), size)

    def mem_write(self, address: int, data: bytes) -> None:
        self._real.mem_write(self._pa(address, len(data)), data)

    def mem_regions(self):
        lo, hi = self.base, self.base + PARTITION_SIZE
        for begin, end, perms in self._real.mem_regions():
            if lo <= begin < hi:
                yield begin - lo, end - lo, perms

    def hook_add(self, htype: int, callback, user_data: Any = None, begin: int = 1, end: int = 0,
                 aux1: int = 0, aux2: int = 0) -> int:
        if htype == _TLB_FILL:
            # one real TLB-fill hook on the shared CPU calls the active VM's (SharedCpu): one
            # Python call per fill instead of one per VM
            return self.shared.add_tlb_fill(self, self._wrap(htype, callback))
        wrapped = self._wrap(htype, callback)
        if htype & _MEM_UNMAPPED and begin <= end:
            # bounds of an unmapped-access hook are physical (Unicorn checks them against the
            # address the TLB fill produced, and counts them in ``uc_mem_hook_installed``): the
            # VM's guest-physical bounds go into its partition like its memory
            begin, end = self.base + begin, self.base + min(end, PARTITION_SIZE - 1)
        if htype in (unicorn.UC_HOOK_INSN, unicorn.UC_HOOK_TCG_OPCODE):
            h = self._real.hook_add(htype, wrapped, user_data, begin, end, aux1, aux2)
        else:
            h = self._real.hook_add(htype, wrapped, user_data, begin, end)
        self._hooks.append(h)
        return h

    def hook_del(self, handle: int) -> None:
        if self.shared.del_tlb_fill(self, handle):
            return
        self._real.hook_del(handle)
        if handle in self._hooks:
            self._hooks.remove(handle)

    def _wrap(self, htype: int, callback):
        shared, port = self.shared, self
        if htype == _TLB_FILL:
            base = self.base

            def tlb_fill(_uc, vaddr, access, entry, user):
                if shared.active is not port:
                    return False
                if not callback(port, vaddr, access, entry, user):
                    return False
                # stage 2: the VM's guest-physical page into its partition
                entry.paddr = base + (entry.paddr & 0xFFFFFFFF)
                return True
            return tlb_fill
        if htype == unicorn.UC_HOOK_INTR:
            def intr(_uc, intno, user):
                if shared.active is not port:
                    return
                hv = port.intercept
                if hv is not None and hv(intno):
                    return
                callback(port, intno, user)
            return intr

        if htype & (_MEM_UNMAPPED | unicorn.UC_HOOK_MEM_READ | unicorn.UC_HOOK_MEM_WRITE):
            base = self.base

            def memory(_uc, access, address, size, value, user):
                # Unicorn reports the host-physical address of an access the TLB fill sent into
                # the partition: the VM sees its own guest-physical one
                if shared.active is not port:
                    return False
                if base <= address < base + PARTITION_SIZE:
                    address -= base
                return callback(port, access, address, size, value, user)
            return memory

        def hook(_uc, *args):
            if shared.active is not port:
                return False
            return callback(port, *args)
        return hook

    # -- the native counter hook (installed through the raw handle) --------------------------------
    def bind(self, machine) -> None:
        """The VM's machine exists: from now on the world switch swaps its native counter hook —
        unless its mode runs the CPU itself and removed that hook (bt counts in translated code)."""
        self.machine = machine
        ic = machine.icount
        self._counter_swapped = bool(getattr(ic, "native", False)) and getattr(machine.mode, "run_cpu", None) is None
        self._counter_on = True

    def _counter(self, on: bool) -> None:
        if not self._counter_swapped or on == self._counter_on:
            return
        ic = self.machine.icount
        if not on:
            ic.remove()
        else:
            ic.install(self._uch)
            self.machine.cp_hooks_after_counter()
        self._counter_on = on

    def close(self) -> None:
        """Remove the VM's hooks (its memory stays mapped in its partition until the CPU goes)."""
        for h in list(self._hooks):
            self._real.hook_del(h)
        self._hooks = []
        self.shared.del_tlb_fill(self, None)


class SharedCpu:
    """The one Unicorn CPU and the world switch between the VMs' ports."""

    def __init__(self, cpu_model: int):
        try:
            uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
            uc.ctl_set_cpu_model(cpu_model)
            reset_security_state(uc, cpu_model)
            uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        except unicorn.UcError as e:
            raise GuestError(f"cannot create the shared CPU: {e}") from e
        self.uc = uc
        self.cpu_model = cpu_model
        #: the CPU as reset leaves it: a VM's first world switch starts from here
        self._reset = uc.context_save()
        self.ports: list[CpuPort] = []
        self.active: CpuPort | None = None
        #: world switches done, and the host time they took
        self.switches = 0
        self.switch_ns = 0
        #: the TLB-fill callbacks of the ports (one each), behind one real hook
        self._fills: dict[CpuPort, tuple[int, Callable]] = {}
        self._fill_handles = 0
        self._fill_hook: int | None = None

    def add_tlb_fill(self, port: CpuPort, wrapped: Callable) -> int:
        if port in self._fills:
            raise GuestError(f"VM {port.name}: a second TLB-fill hook")
        self._fill_handles += 1
        handle = -self._fill_handles          # not a Unicorn handle: ``del_tlb_fill`` knows it
        self._fills[port] = (handle, wrapped)
        if self._fill_hook is None:
            self._fill_hook = self.uc.hook_add(_TLB_FILL, self._on_tlb_fill)
        return handle

    def del_tlb_fill(self, port: CpuPort, handle: int | None) -> bool:
        cur = self._fills.get(port)
        if cur is None or (handle is not None and cur[0] != handle):
            return False
        del self._fills[port]
        return True

    def _on_tlb_fill(self, uc, vaddr, access, entry, user) -> bool:
        fill = self._fills.get(self.active)
        return fill is not None and fill[1](uc, vaddr, access, entry, user)

    def port(self, name: str) -> CpuPort:
        p = CpuPort(self, len(self.ports), name)
        self.ports.append(p)
        return p

    def switch_to(self, port: CpuPort) -> None:
        """Save the running VM's complete CPU state and resume ``port``'s."""
        cur = self.active
        if cur is port:
            return
        t = time.perf_counter_ns()
        uc = self.uc
        if cur is not None:
            if cur.context is None:
                cur.context = uc.context_save()
            else:
                uc.context_update(cur.context)
            cur._counter(False)
        self.active = port
        uc.context_restore(port.context if port.context is not None else self._reset)
        port._counter(True)
        port.switches_in += 1
        # the TLB holds the outgoing VM's stage-1+2 translations (B3.10.1: TLB maintenance)
        uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)
        self.switches += 1
        self.switch_ns += time.perf_counter_ns() - t
