// Where the accelerator meets the converter designs' cost hooks (hw/core/converter.h): their
// figures from the technology and the ledger component each design names.
#pragma once

#include "config.h"
#include "energy.h"
#include "hw/core/converter.h"
#include "technology.h"

namespace stoxvp::hw {

// The technology's converter figures, with the chip's MTJ reset policy.
core::converter_figures converter_figures_of(const technology& tech, const accelerator_config& cfg);

// The component a design with a converter circuit charges (throws std::logic_error when the
// ledger has no component of the name the design gives).
component converter_component(const core::converter_design& d);

// The converter the chip is built with, as the designs' cost hooks read it.
core::converter_config chip_converter(const accelerator_config& cfg);

}  // namespace stoxvp::hw
