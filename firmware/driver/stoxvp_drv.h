/*
 * stoxvp_drv.h - firmware driver of the stoxvp accelerator. C11, on top of hal.h.
 *
 * Descriptors are written into a ring in memory the accelerator can reach by DMA; the doorbell
 * (RING_TAIL) hands them over. stoxvp_drv_wait() appends an interrupt fence (a NOP flagged
 * STOXVP_DESC_F_IRQ) and sleeps until it completes or the accelerator halts on an error.
 */
#ifndef STOXVP_DRV_H
#define STOXVP_DRV_H

#include "hal.h"
#include "stoxvp_regs.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Driver results: 0, a negative driver error, or a positive STOXVP_ERR_* from the hardware. */
enum {
  STOXVP_DRV_OK = 0,
  STOXVP_DRV_ENODEV = -1,   /* ID register does not read 'STOX' */
  STOXVP_DRV_EVERSION = -2, /* register-map major version differs from this driver's */
  STOXVP_DRV_EINVAL = -3    /* bad ring size or alignment */
};

/* One tile group as the discovery table describes it (docs/registers.md, "Tile-group discovery
 * table"). */
struct stoxvp_tile_group_info {
  uint32_t kind;        /* STOXVP_TILE_KIND_* */
  uint32_t tiles;
  uint32_t first_tile;  /* chip-wide tile index */
  uint32_t first_node;  /* NoC router of the first tile */
  uint32_t geom[4];     /* the kind's geometry words, as read */
  struct {              /* kind XBAR: the words decoded */
    uint32_t rows, cols, arrays_per_tile, cell_bits;
    uint32_t first_array; /* array_base of the group's first array */
  } xbar;
};

/* What the accelerator is built of. */
struct stoxvp_chip {
  uint32_t groups;
  struct stoxvp_tile_group_info group[STOXVP_MAX_TILE_GROUPS];
};

typedef struct stoxvp_dev {
  hal_addr_t regs;           /* register window */
  hal_addr_t ring_addr;      /* bus address of slot 0 */
  struct stoxvp_desc *ring;  /* CPU view of the ring */
  uint32_t slots;
  uint32_t tail;             /* next slot software fills */
  /* The first crossbar group, from HWCFG0/1/2 (register map 2.1 and later). */
  uint32_t rows, cols, tiles, arrays_per_tile, cell_bits;
  struct stoxvp_chip chip; /* every tile group (stoxvp_drv_discover at init) */
} stoxvp_dev;

/* Checks identity and version, resets the accelerator, sets up a ring of `slots` descriptors
 * at `ring_addr` (128-byte aligned), enables the command processor and its interrupts. */
int stoxvp_drv_init(stoxvp_dev *dev, hal_addr_t regs, hal_addr_t ring_addr, uint32_t slots);

/* Copies `desc` into the next slot and rings the doorbell; while the ring is full it waits for
 * the accelerator. Returns 0, or the hardware error if the accelerator has halted. */
int stoxvp_drv_submit(stoxvp_dev *dev, const struct stoxvp_desc *desc);

/* Waits until everything submitted has completed; returns 0 or the hardware error code. */
int stoxvp_drv_wait(stoxvp_dev *dev);

/* After an error: the ring slot and bus address the hardware reported. */
uint32_t stoxvp_drv_error_slot(const stoxvp_dev *dev);
uint64_t stoxvp_drv_error_addr(const stoxvp_dev *dev);
/* Name of a driver result or hardware error code ("BAD_SHAPE", "ENODEV", ...). */
const char *stoxvp_drv_error_name(int code);

/* Global-buffer coherence (docs/registers.md): before the CPU rewrites memory the accelerator
 * may hold (a parameter block or weights rewritten in place, a buffer that held a kept output),
 * queue this, wait for it (stoxvp_drv_wait), then write. It is ordered behind everything
 * submitted before it, and writes kept outputs in the range back to memory. bytes = 0: all. */
int stoxvp_drv_gb_invalidate(stoxvp_dev *dev, hal_addr_t addr, uint64_t bytes);

/* Soft reset, then the ring is set up again (recovers from a halt). */
int stoxvp_drv_reset(stoxvp_dev *dev);

/* Reads the tile-group discovery table into `chip`. An accelerator of register map 2.1 (no
 * table) is described as the one crossbar group HWCFG0/1/2 state. Returns 0, or
 * STOXVP_DRV_ENODEV when the table is inconsistent (more groups than slots). */
int stoxvp_drv_discover(const stoxvp_dev *dev, struct stoxvp_chip *chip);
/* The first group of `kind` (STOXVP_TILE_KIND_*), or NULL. */
const struct stoxvp_tile_group_info *stoxvp_chip_find(const struct stoxvp_chip *chip, uint32_t kind);
/* Arrays a crossbar layer occupies on crossbar group `g` (0: an output does not fit an array),
 * and every array of the group. */
uint32_t stoxvp_xbar_group_layer_arrays(const struct stoxvp_tile_group_info *g, uint32_t k, uint32_t n,
                                        uint32_t w_bits, uint32_t w_slice);
uint32_t stoxvp_xbar_group_arrays(const struct stoxvp_tile_group_info *g);

/* Arrays a crossbar layer occupies on the first crossbar group (0: an output does not fit an
 * array). */
uint32_t stoxvp_drv_layer_arrays(const stoxvp_dev *dev, uint32_t k, uint32_t n, uint32_t w_bits,
                                 uint32_t w_slice);
/* All arrays of the first crossbar group. */
uint32_t stoxvp_drv_total_arrays(const stoxvp_dev *dev);

/* Descriptor builders: each zeroes the descriptor, sets the header, then the arguments. */
void stoxvp_desc_init(struct stoxvp_desc *d, uint16_t opcode, uint32_t flags);
void stoxvp_desc_nop(struct stoxvp_desc *d, uint32_t flags);
void stoxvp_desc_program(struct stoxvp_desc *d, hal_addr_t weights, uint32_t k, uint32_t n,
                         uint16_t array_base, uint8_t w_bits, uint8_t w_slice);
/* XBAR_CONV or DIGITAL_CONV with the given arguments. */
void stoxvp_desc_conv(struct stoxvp_desc *d, uint16_t opcode, const struct stoxvp_conv_args *args);
void stoxvp_desc_pool(struct stoxvp_desc *d, const struct stoxvp_pool_args *args);
void stoxvp_desc_add(struct stoxvp_desc *d, const struct stoxvp_add_args *args);
void stoxvp_desc_gb_invalidate(struct stoxvp_desc *d, hal_addr_t addr, uint64_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* STOXVP_DRV_H */
