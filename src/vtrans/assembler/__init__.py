"""Assembler: GNU-as front end (Lark), IR, printer, layout, encoder (keystone), ELF writer and linker."""
