"""The hypercall ABI module: encodings checked against GNU as, table and block formats."""

from __future__ import annotations

import subprocess

from elftools.elf.elffile import ELFFile

from vtrans.isa.arm import hypercall as hc


def test_svc_encoding_matches_gnu_as(arm_as, tmp_path):
    cases = [("svc #0x800000", hc.emulate(0)), ("svceq #0x800005", hc.emulate(5, 0x0)),
             ("svcne #0x8fffff", hc.emulate(0xFFFFF, 0x1)),
             ("svc #0x900000", hc.encode_hypercall(hc.HypercallClass.SERVICE, hc.ServiceOp.SYNC))]
    src = tmp_path / "h.s"
    src.write_text("".join(t + "\n" for t, _ in cases))
    subprocess.run([arm_as, "-o", str(tmp_path / "h.o"), str(src)], check=True)
    with (tmp_path / "h.o").open("rb") as f:
        text = ELFFile(f).get_section_by_name(".text").data()
    for i, (asm, word) in enumerate(cases):
        assert int.from_bytes(text[4 * i:4 * i + 4], "little") == word, asm


def test_decode():
    h = hc.decode_hypercall(hc.emulate(42, 0xB))
    assert h == hc.Hypercall(hc.HypercallClass.EMULATE, 42, 0xB)
    assert h.word == hc.emulate(42, 0xB)
    assert hc.decode_hypercall(0xEF123456) is None          # semihosting: a guest svc
    assert hc.decode_hypercall(0xE1A00000) is None          # not an svc
    assert hc.decode_hypercall(hc.encode_hypercall(hc.HypercallClass.SERVICE, 0)).cls is hc.HypercallClass.SERVICE


def test_vcpu_block_layout():
    b = hc.VcpuBlock(vcpsr=0x1D3, pending=hc.Pending.IRQ, spsr_irq=0x10, scratch=tuple(range(10)))
    raw = b.pack()
    assert len(raw) == hc.VCPU_SIZE == 0x50
    assert raw[:4] == b"VTVC" and int.from_bytes(raw[4:8], "little") == 1
    assert int.from_bytes(raw[hc.OFF_VCPSR:hc.OFF_VCPSR + 4], "little") == 0x1D3
    assert int.from_bytes(raw[hc.OFF_SPSR_IRQ:hc.OFF_SPSR_IRQ + 4], "little") == 0x10
    assert hc.VcpuBlock.unpack(raw) == b and b.spsr(hc.Mode.IRQ) == 0x10 and b.spsr(hc.Mode.USR) is None


def test_sites_format():
    e = hc.SiteEntry(0x10040, 0xF10C0080, 8, hc.site_kind_byte("sensitive", "control"), hc.SiteFlags.CONDITIONAL)
    raw = e.pack()
    assert len(raw) == hc.SITE_ENTRY_SIZE
    assert hc.unpack_sites(raw * 2) == (e, e)
    assert e.site_class is hc.SiteClass.SENSITIVE and e.site_kind is hc.SiteKind.CONTROL
    assert hc.unpack_hypercall_table(hc.pack_hypercall_table([1, 2, 3])) == (1, 2, 3)
