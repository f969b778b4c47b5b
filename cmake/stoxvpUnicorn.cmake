# Defines the imported target PkgConfig::STOXVP_UNICORN (Unicorn 2, Debian's libunicorn-dev),
# the engine of the RV32 CPU model. Shipped with the installed package for its consumers.
if(TARGET PkgConfig::STOXVP_UNICORN)
  return()
endif()
find_package(PkgConfig REQUIRED)
pkg_check_modules(STOXVP_UNICORN REQUIRED IMPORTED_TARGET GLOBAL unicorn>=2.0)
