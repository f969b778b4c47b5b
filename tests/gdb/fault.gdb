# A fault without a trap handler stops the CPU in gdb with its signal instead of ending the run;
# registers, CSRs and memory are there to look at; kill ends the run.
set pagination off
set confirm off
target remote :@PORT@
info registers mtvec
continue
# expect: Program received signal SIGILL, Illegal instruction
print/x $pc
# expect: \$1 = 0x200000
info registers mtvec
# expect: mtvec +0x0
print/x $mcycle
x/s &_start
kill
# expect: (\[Inferior 1 \(Remote target\) killed\]|Remote connection closed)
