# stoxvp_firmware_executable(<name> <sources>...): a bare-metal RV32 application for the stoxvp
# platform, linked against the installed SDK next to this file: the start-up code (crt0.o:
# stack, .bss, trap vector, main(), exit through the simulation-control device), the HAL,
# driver and model reader (libstoxvp_fw.a), picolibc, and the platform's linker script. The
# result is <name>.elf with a link map <name>.map. Configure with
#   -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/stoxvp/sdk/riscv/toolchain.cmake
get_filename_component(STOXVP_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
if(NOT EXISTS "${STOXVP_SDK_DIR}/lib/libstoxvp_fw.a")
  message(FATAL_ERROR "stoxvp SDK: ${STOXVP_SDK_DIR}/lib/libstoxvp_fw.a is missing (was stoxvp built with the RISC-V cross compiler?)")
endif()
function(stoxvp_firmware_executable name)
  add_executable(${name} ${ARGN} ${STOXVP_SDK_DIR}/lib/crt0.o)
  set_target_properties(${name} PROPERTIES SUFFIX .elf LINK_DEPENDS ${STOXVP_SDK_DIR}/lib/link.ld)
  target_include_directories(${name} PRIVATE ${STOXVP_SDK_DIR}/include)
  target_link_libraries(${name} PRIVATE ${STOXVP_SDK_DIR}/lib/libstoxvp_fw.a m)
  target_link_options(${name} PRIVATE -T ${STOXVP_SDK_DIR}/lib/link.ld
                      -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
endfunction()
