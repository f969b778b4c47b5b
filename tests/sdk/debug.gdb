# The out-of-tree application under gdb: a breakpoint in main, a step, a local, the exit.
set pagination off
set confirm off
target remote :@PORT@
break main
continue
# expect: Breakpoint 1, main \(\) at .*main.c
next
next
print rc
# expect: \$1 = 0
continue
# expect: \[Inferior 1 \(Remote target\) exited normally\]
