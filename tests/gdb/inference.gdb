# The inference firmware under gdb: a breakpoint in the main loop, a step, a local and a
# descriptor in memory, a watchpoint on the ring's tail (the doorbell write path), the
# accelerator's interrupt, an accelerator register through memory, and the run to its exit.
set pagination off
set confirm off
target remote :@PORT@
# expect: _start \(\) at .*crt0.S
break inference.c:@LINE:firmware/apps/inference/inference.c:rc = queue_image(&dev, &p, bi, img);@
continue
# expect: Breakpoint 1, queue_image \(.*img=0
print img
# expect: \$1 = 0
next
# expect: switch \(l->type\)
step
# expect: program_desc \(|stoxvp_desc_program \(|^1[0-9][0-9]\s
print dev->tail
# expect: \$2 = 3
print dev->ring[0].hdr
# expect: \$3 = \{opcode = 1, version = 2, flags = 0, tag = 2, reserved = 0\}
print/x dev->ring[0].args.program.weight_addr
# expect: \$4 = 0x80001330
watch -l dev->tail
continue
# expect: Hardware watchpoint 2: -location dev->tail
# expect: Old value = 3
# expect: New value = 4
bt 2
# expect: in wr \(v=4, reg=48
delete 2
break hal_trap
continue
# expect: Breakpoint 3, hal_trap \(mcause=2147483659
print/x $mcause
# expect: \$5 = 0x8000000b
print/x $mip
# expect: \$6 = 0x800
x/2wx 0x40000000
# expect: 0x40000000:\s+0x584f5453\s+0x0002[0-9a-f]{4}
stepi
# expect: hal_trap
delete
continue
# expect: \[Inferior 1 \(Remote target\) exited normally\]
