#include "stoxvp_drv.h"

#include <string.h>

static uint32_t rd(const stoxvp_dev *dev, uint32_t reg) { return hal_read32(dev->regs + reg); }
static void wr(const stoxvp_dev *dev, uint32_t reg, uint32_t v) { hal_write32(dev->regs + reg, v); }

static int setup_ring(stoxvp_dev *dev) {
  wr(dev, STOXVP_REG_CTRL, STOXVP_CTRL_SOFT_RESET);
  wr(dev, STOXVP_REG_RING_BASE_LO, (uint32_t)dev->ring_addr);
  wr(dev, STOXVP_REG_RING_BASE_HI, (uint32_t)(dev->ring_addr >> 32));
  wr(dev, STOXVP_REG_RING_SIZE, dev->slots);
  wr(dev, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE | STOXVP_IRQ_STATUS_ERROR);
  wr(dev, STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_DONE | STOXVP_IRQ_ENABLE_ERROR);
  wr(dev, STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
  dev->tail = 0;
  const uint32_t err = rd(dev, STOXVP_REG_ERROR_CODE);
  return err ? (int)err : STOXVP_DRV_OK;
}

/* The discovery table, or (register map 2.1, no table) the one crossbar group HWCFG0/1/2 state. */
static int discover(const stoxvp_dev *dev, uint32_t version, struct stoxvp_chip *chip) {
  memset(chip, 0, sizeof *chip);
  if ((version & 0xFFFF) < 2) {
    struct stoxvp_tile_group_info *g = &chip->group[0];
    const uint32_t hw0 = rd(dev, STOXVP_REG_HWCFG0), hw1 = rd(dev, STOXVP_REG_HWCFG1);
    chip->groups = 1;
    g->kind = STOXVP_TILE_KIND_XBAR;
    g->tiles = hw1 & 0xFFFF;
    g->geom[0] = hw0;
    g->geom[1] = hw1 >> 16;
    g->geom[2] = rd(dev, STOXVP_REG_HWCFG2) & 0xFF;
  } else {
    chip->groups = rd(dev, STOXVP_REG_TILE_GROUPS);
    if (chip->groups > STOXVP_MAX_TILE_GROUPS) return STOXVP_DRV_ENODEV;
    for (uint32_t i = 0; i < chip->groups; ++i) {
      struct stoxvp_tile_group_info *g = &chip->group[i];
      g->kind = rd(dev, STOXVP_REG_TILE_GROUP(i, STOXVP_TG_KIND));
      g->tiles = rd(dev, STOXVP_REG_TILE_GROUP(i, STOXVP_TG_TILES));
      g->first_tile = rd(dev, STOXVP_REG_TILE_GROUP(i, STOXVP_TG_FIRST_TILE));
      g->first_node = rd(dev, STOXVP_REG_TILE_GROUP(i, STOXVP_TG_FIRST_NODE));
      for (uint32_t w = 0; w < 4; ++w) g->geom[w] = rd(dev, STOXVP_REG_TILE_GROUP(i, STOXVP_TG_GEOM0 + 4 * w));
    }
  }
  for (uint32_t i = 0; i < chip->groups; ++i) {
    struct stoxvp_tile_group_info *g = &chip->group[i];
    if (g->kind != STOXVP_TILE_KIND_XBAR) continue;
#define STOXVP_X_DECODE(word, lsb, width, field, doc) \
  const uint32_t field = (g->geom[(STOXVP_TG_##word - STOXVP_TG_GEOM0) / 4] >> (lsb)) & (uint32_t)STOXVP_XBAR_##field##_MASK;
    STOXVP_XBAR_GEOMETRY(STOXVP_X_DECODE)
#undef STOXVP_X_DECODE
    g->xbar.rows = ROWS;
    g->xbar.cols = COLS;
    g->xbar.arrays_per_tile = ARRAYS_PER_TILE;
    g->xbar.cell_bits = CELL_BITS;
    g->xbar.first_array = FIRST_ARRAY;
  }
  return STOXVP_DRV_OK;
}

int stoxvp_drv_init(stoxvp_dev *dev, hal_addr_t regs, hal_addr_t ring_addr, uint32_t slots) {
  memset(dev, 0, sizeof *dev);
  dev->regs = regs;
  if (rd(dev, STOXVP_REG_ID) != STOXVP_ID_VALUE) return STOXVP_DRV_ENODEV;
  const uint32_t version = rd(dev, STOXVP_REG_VERSION);
  if ((version >> 16) != STOXVP_REGMAP_MAJOR) return STOXVP_DRV_EVERSION;
  if (slots < 2 || slots > STOXVP_RING_MAX || ring_addr % STOXVP_DESC_SIZE != 0)
    return STOXVP_DRV_EINVAL;
  const int found = discover(dev, version, &dev->chip);
  if (found != STOXVP_DRV_OK) return found;
  /* The first crossbar group: what HWCFG0/1/2 state, without reading them again. */
  const struct stoxvp_tile_group_info *xg = stoxvp_chip_find(&dev->chip, STOXVP_TILE_KIND_XBAR);
  if (xg != NULL) {
    dev->rows = xg->xbar.rows;
    dev->cols = xg->xbar.cols;
    dev->tiles = xg->tiles;
    dev->arrays_per_tile = xg->xbar.arrays_per_tile;
    dev->cell_bits = xg->xbar.cell_bits;
  }
  dev->ring_addr = ring_addr;
  dev->slots = slots;
  dev->ring = (struct stoxvp_desc *)hal_map(ring_addr, (size_t)slots * STOXVP_DESC_SIZE);
  return setup_ring(dev);
}

int stoxvp_drv_reset(stoxvp_dev *dev) { return setup_ring(dev); }

int stoxvp_drv_submit(stoxvp_dev *dev, const struct stoxvp_desc *desc) {
  const uint32_t next = (dev->tail + 1) % dev->slots;
  /* Full ring (one slot stays empty so that head == tail means empty): sleep until a
   * half-ring marker below completes. The interrupt line is level-sensitive, so clearing DONE
   * before the check cannot lose a wake-up. */
  while (rd(dev, STOXVP_REG_RING_HEAD) == next) {
    const uint32_t st = rd(dev, STOXVP_REG_IRQ_STATUS);
    if (st & STOXVP_IRQ_STATUS_ERROR) return (int)rd(dev, STOXVP_REG_ERROR_CODE);
    if (st & STOXVP_IRQ_STATUS_DONE) {
      wr(dev, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE);
      continue;
    }
    hal_wait_for_interrupt();
  }
  memcpy(&dev->ring[dev->tail], desc, sizeof *desc);
  /* Every half ring, ask for an interrupt, so that a full ring has a wake-up coming. */
  const uint32_t half = dev->slots / 2;
  if (dev->tail % half == half - 1) dev->ring[dev->tail].hdr.flags |= STOXVP_DESC_F_IRQ;
  dev->tail = next;
  wr(dev, STOXVP_REG_RING_TAIL, dev->tail);
  return STOXVP_DRV_OK;
}

int stoxvp_drv_wait(stoxvp_dev *dev) {
  struct stoxvp_desc fence;
  stoxvp_desc_nop(&fence, STOXVP_DESC_F_IRQ);
  int rc = stoxvp_drv_submit(dev, &fence);
  if (rc != STOXVP_DRV_OK) return rc;
  for (;;) {
    const uint32_t st = rd(dev, STOXVP_REG_IRQ_STATUS);
    if (st & STOXVP_IRQ_STATUS_ERROR) {
      wr(dev, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_ERROR);
      return (int)rd(dev, STOXVP_REG_ERROR_CODE);
    }
    if (st & STOXVP_IRQ_STATUS_DONE) {
      wr(dev, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE);
      if (rd(dev, STOXVP_REG_RING_HEAD) == dev->tail) return STOXVP_DRV_OK;
    }
    hal_wait_for_interrupt();
  }
}

uint32_t stoxvp_drv_error_slot(const stoxvp_dev *dev) { return rd(dev, STOXVP_REG_ERROR_SLOT); }

uint64_t stoxvp_drv_error_addr(const stoxvp_dev *dev) {
  return ((uint64_t)rd(dev, STOXVP_REG_ERROR_ADDR_HI) << 32) | rd(dev, STOXVP_REG_ERROR_ADDR_LO);
}

const char *stoxvp_drv_error_name(int code) {
  switch (code) {
    case STOXVP_DRV_ENODEV: return "ENODEV";
    case STOXVP_DRV_EVERSION: return "EVERSION";
    case STOXVP_DRV_EINVAL: return "EINVAL";
#define STOXVP_X_ERRNAME(name, val, doc) \
  case val: return #name;
    STOXVP_ERRORS(STOXVP_X_ERRNAME)
#undef STOXVP_X_ERRNAME
  }
  return "unknown";
}

int stoxvp_drv_discover(const stoxvp_dev *dev, struct stoxvp_chip *chip) {
  return discover(dev, rd(dev, STOXVP_REG_VERSION), chip);
}

const struct stoxvp_tile_group_info *stoxvp_chip_find(const struct stoxvp_chip *chip, uint32_t kind) {
  for (uint32_t i = 0; i < chip->groups; ++i)
    if (chip->group[i].kind == kind) return &chip->group[i];
  return NULL;
}

uint32_t stoxvp_xbar_group_layer_arrays(const struct stoxvp_tile_group_info *g, uint32_t k, uint32_t n,
                                        uint32_t w_bits, uint32_t w_slice) {
  return stoxvp_xbar_arrays(k, n, g->xbar.rows, g->xbar.cols, w_bits, w_slice);
}

uint32_t stoxvp_xbar_group_arrays(const struct stoxvp_tile_group_info *g) {
  return g->tiles * g->xbar.arrays_per_tile;
}

uint32_t stoxvp_drv_layer_arrays(const stoxvp_dev *dev, uint32_t k, uint32_t n, uint32_t w_bits,
                                 uint32_t w_slice) {
  return stoxvp_xbar_arrays(k, n, dev->rows, dev->cols, w_bits, w_slice);
}

uint32_t stoxvp_drv_total_arrays(const stoxvp_dev *dev) { return dev->tiles * dev->arrays_per_tile; }

void stoxvp_desc_init(struct stoxvp_desc *d, uint16_t opcode, uint32_t flags) {
  memset(d, 0, sizeof *d);
  d->hdr.opcode = opcode;
  d->hdr.version = STOXVP_DESC_VERSION;
  d->hdr.flags = flags;
}

void stoxvp_desc_nop(struct stoxvp_desc *d, uint32_t flags) { stoxvp_desc_init(d, STOXVP_OP_NOP, flags); }

void stoxvp_desc_program(struct stoxvp_desc *d, hal_addr_t weights, uint32_t k, uint32_t n,
                         uint16_t array_base, uint8_t w_bits, uint8_t w_slice) {
  stoxvp_desc_init(d, STOXVP_OP_XBAR_PROGRAM, 0);
  d->args.program.weight_addr = weights;
  d->args.program.k = k;
  d->args.program.n = n;
  d->args.program.array_base = array_base;
  d->args.program.w_bits = w_bits;
  d->args.program.w_slice = w_slice;
}

void stoxvp_desc_conv(struct stoxvp_desc *d, uint16_t opcode, const struct stoxvp_conv_args *args) {
  stoxvp_desc_init(d, opcode, 0);
  d->args.conv = *args;
}

void stoxvp_desc_pool(struct stoxvp_desc *d, const struct stoxvp_pool_args *args) {
  stoxvp_desc_init(d, STOXVP_OP_POOL, 0);
  d->args.pool = *args;
}

void stoxvp_desc_add(struct stoxvp_desc *d, const struct stoxvp_add_args *args) {
  stoxvp_desc_init(d, STOXVP_OP_ADD, 0);
  d->args.add = *args;
}

void stoxvp_desc_gb_invalidate(struct stoxvp_desc *d, hal_addr_t addr, uint64_t bytes) {
  stoxvp_desc_init(d, STOXVP_OP_GB_INVALIDATE, 0);
  d->args.gb_invalidate.addr = addr;
  d->args.gb_invalidate.bytes = bytes;
}

int stoxvp_drv_gb_invalidate(stoxvp_dev *dev, hal_addr_t addr, uint64_t bytes) {
  struct stoxvp_desc d;
  stoxvp_desc_gb_invalidate(&d, addr, bytes);
  return stoxvp_drv_submit(dev, &d);
}
