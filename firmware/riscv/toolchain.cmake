# Cross toolchain for the bare-metal firmware: Debian's riscv64-unknown-elf-gcc with picolibc,
# generating RV32IMAC code for the ilp32 (soft-float) ABI.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -misa-spec=2.2: CSR instructions belong to the base ISA there, so plain rv32imac (the name
# picolibc's multilib is built for) accepts them; with the 2019 spec they need _zicsr, and
# gcc 12 then no longer finds the rv32imac/ilp32 multilib.
set(STOXVP_RISCV_ARCH "-march=rv32imac -mabi=ilp32 -misa-spec=2.2 -mcmodel=medany")
set(CMAKE_C_FLAGS_INIT "${STOXVP_RISCV_ARCH} --specs=picolibc.specs")
set(CMAKE_ASM_FLAGS_INIT "${STOXVP_RISCV_ARCH}")
# (C flags, which the link line also gets, already carry the specs)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Where this file is: in an installed SDK (share/stoxvp/sdk/riscv) stoxvp_firmware.cmake is next
# to it, and an application includes ${STOXVP_SDK_DIR}/stoxvp_firmware.cmake.
set(STOXVP_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}")
