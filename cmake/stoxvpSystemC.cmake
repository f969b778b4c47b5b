# Defines the imported target SystemC::systemc (SystemC with its bundled TLM-2.0 headers).
# SYSTEMC_HOME (cache variable or environment) points at a user's own SystemC installation;
# without it, pkg-config's `systemc` and `tlm` modules (Debian's libsystemc-dev) are used.
# Shipped with the installed package so consumers resolve SystemC exactly as the build did.
if(TARGET SystemC::systemc)
  return()
endif()

if(NOT SYSTEMC_HOME AND DEFINED ENV{SYSTEMC_HOME})
  set(SYSTEMC_HOME "$ENV{SYSTEMC_HOME}")
endif()
set(SYSTEMC_HOME "${SYSTEMC_HOME}" CACHE PATH "Root of a SystemC installation (empty: use pkg-config)")

if(SYSTEMC_HOME)
  find_path(SYSTEMC_INCLUDE_DIR systemc.h PATHS "${SYSTEMC_HOME}/include" NO_DEFAULT_PATH)
  find_library(SYSTEMC_LIBRARY systemc
    PATHS "${SYSTEMC_HOME}/lib" "${SYSTEMC_HOME}/lib64" "${SYSTEMC_HOME}/lib-linux64"
    NO_DEFAULT_PATH)
  if(NOT SYSTEMC_INCLUDE_DIR OR NOT SYSTEMC_LIBRARY)
    message(FATAL_ERROR "SYSTEMC_HOME=${SYSTEMC_HOME}: systemc.h or libsystemc not found under it")
  endif()
  add_library(SystemC::systemc INTERFACE IMPORTED GLOBAL)
  set_target_properties(SystemC::systemc PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SYSTEMC_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${SYSTEMC_LIBRARY};pthread")
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(STOXVP_SYSTEMC REQUIRED IMPORTED_TARGET GLOBAL systemc tlm)
  add_library(SystemC::systemc INTERFACE IMPORTED GLOBAL)
  set_target_properties(SystemC::systemc PROPERTIES
    INTERFACE_LINK_LIBRARIES "PkgConfig::STOXVP_SYSTEMC;pthread")
endif()
