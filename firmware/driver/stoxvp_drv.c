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

int stoxvp_drv_init(stoxvp_dev *dev, hal_addr_t regs, hal_addr_t ring_addr, uint32_t slots) {
  memset(dev, 0, sizeof *dev);
  dev->regs = regs;
  if (rd(dev, STOXVP_REG_ID) != STOXVP_ID_VALUE) return STOXVP_DRV_ENODEV;
  if ((rd(dev, STOXVP_REG_VERSION) >> 16) != STOXVP_REGMAP_MAJOR) return STOXVP_DRV_EVERSION;
  if (slots < 2 || slots > STOXVP_RING_MAX || ring_addr % STOXVP_DESC_SIZE != 0)
    return STOXVP_DRV_EINVAL;
  const uint32_t hw0 = rd(dev, STOXVP_REG_HWCFG0), hw1 = rd(dev, STOXVP_REG_HWCFG1);
  dev->rows = hw0 & 0xFFFF;
  dev->cols = hw0 >> 16;
  dev->tiles = hw1 & 0xFFFF;
  dev->arrays_per_tile = hw1 >> 16;
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

void stoxvp_desc_nop(struct stoxvp_desc *d, uint32_t flags) {
  memset(d, 0, sizeof *d);
  d->hdr.opcode = STOXVP_OP_NOP;
  d->hdr.version = STOXVP_DESC_VERSION;
  d->hdr.flags = flags;
}

void stoxvp_desc_fc_int8(struct stoxvp_desc *d, hal_addr_t input, hal_addr_t weight,
                         hal_addr_t bias, hal_addr_t output, uint32_t in_features,
                         uint32_t out_features, uint32_t batch) {
  memset(d, 0, sizeof *d);
  d->hdr.opcode = STOXVP_OP_FC_INT8;
  d->hdr.version = STOXVP_DESC_VERSION;
  d->args.fc.input_addr = input;
  d->args.fc.weight_addr = weight;
  d->args.fc.bias_addr = bias;
  d->args.fc.output_addr = output;
  d->args.fc.in_features = in_features;
  d->args.fc.out_features = out_features;
  d->args.fc.batch = batch;
}
