/*
 * stoxvp.h - C interface of the stoxvp virtual platform.
 *
 * Create a platform from a JSON configuration (or the built-in defaults), load memory, attach
 * host-compiled firmware, optionally enable a VCD trace, run, read statistics, destroy.
 * Every function that can fail returns an stoxvp_result; on failure stoxvp_last_error() gives a
 * message naming what was wrong. Nothing here calls abort() or exit().
 *
 * One platform exists at a time per process (SystemC keeps one simulation kernel); creating a
 * second one while the first is alive fails with STOXVP_E_STATE. After stoxvp_destroy a new
 * platform may be created. The interface is not thread-safe: call it from one thread.
 *
 * Hardware error codes of the accelerator (STOXVP_ERR_*) are in stoxvp_regs.h; the results of
 * this interface are STOXVP_OK and STOXVP_E_*.
 */
#ifndef STOXVP_H
#define STOXVP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stoxvp_result {
  STOXVP_OK = 0,
  STOXVP_E_ARGUMENT = 1,   /* a null pointer or an invalid value was passed */
  STOXVP_E_CONFIG = 2,     /* the configuration is missing, malformed or invalid */
  STOXVP_E_STATE = 3,      /* not allowed now (a second platform, tracing after the start...) */
  STOXVP_E_ADDRESS = 4,    /* a memory access touched unmapped addresses */
  STOXVP_E_IO = 5,         /* a file could not be written */
  STOXVP_E_SIMULATION = 6, /* the simulation kernel reported an error; the platform is unusable */
  STOXVP_E_FIRMWARE = 7    /* the firmware image or entry is invalid */
} stoxvp_result;

typedef enum stoxvp_stop_reason {
  STOXVP_STOP_EXIT = 0,       /* the firmware exited (returned, or wrote sim_control EXIT) */
  STOXVP_STOP_FAULT = 1,      /* the firmware faulted (bus error...); see message */
  STOXVP_STOP_TIME_LIMIT = 2, /* the simulated-time limit of this run call was reached */
  STOXVP_STOP_IDLE = 3,       /* nothing left to simulate (e.g. waiting for an interrupt) */
  STOXVP_STOP_STALLED = 4,    /* the no-progress watchdog fired (stoxvp_set_stall_timeout) */
  STOXVP_STOP_INTERRUPTED = 5 /* stoxvp_request_stop() was called (e.g. from a signal handler) */
} stoxvp_stop_reason;

typedef struct stoxvp_run_result {
  stoxvp_stop_reason reason;
  int exit_code;        /* meaningful for STOXVP_STOP_EXIT */
  uint64_t sim_time_ps; /* simulated time at the stop */
  char message[256];    /* fault description or why the run went idle; "" otherwise */
} stoxvp_run_result;

typedef struct stoxvp_stats {
  uint64_t sim_time_ps;
  uint64_t bus_transactions;
  uint64_t bus_errors;
  uint64_t accel_descriptors;
  uint64_t accel_errors;
  uint64_t accel_macs;
  uint64_t accel_conversions; /* partial sums converted, every converter kind */
  uint64_t accel_mtj_samples; /* MTJ write/read/reset cycles */
  uint64_t accel_busy_ps;
  uint64_t dma_bytes_read;
  uint64_t dma_bytes_written;
  uint64_t cpu_bus_accesses;
  double energy_pj;        /* accelerator (dynamic and leakage) plus bus and CPU, so far */
  double accel_energy_pj;  /* the accelerator's share, DRAM traffic of its DMA included */
  double chip_area_um2;    /* the accelerator as configured */
  uint64_t cpu_instructions; /* executed by the RISC-V CPU (0 for host-compiled firmware) */
  double cpu_energy_pj;      /* their energy, from the technology file */
} stoxvp_stats;

typedef struct stoxvp_platform stoxvp_platform;

/* A firmware entry point for the host-compiled CPU; its return value is the exit code. */
typedef int (*stoxvp_firmware_entry)(void *arg);

/* Message of the last failing call on this thread ("" if none). */
const char *stoxvp_last_error(void);
const char *stoxvp_result_string(stoxvp_result r);

/* config_path NULL: built-in defaults. */
stoxvp_result stoxvp_create(const char *config_path, stoxvp_platform **out);
/* Same, from JSON text; `origin` names it in error messages (may be NULL). */
stoxvp_result stoxvp_create_from_json(const char *json_text, const char *origin,
                                      stoxvp_platform **out);
/* Closes the outputs (stoxvp_close_outputs, failures ignored) of a platform that ran, flushes
 * the console; safe on NULL. A platform destroyed before its first run writes no trace file. */
void stoxvp_destroy(stoxvp_platform *p);

/* Seed of every stochastic model (overrides the configuration's); before the first run. */
stoxvp_result stoxvp_set_seed(stoxvp_platform *p, uint64_t seed);

/* Debug-transport access (no simulated time). Fails with STOXVP_E_ADDRESS, naming the first
 * unmapped address, when the range leaves mapped memory; nothing is partly written then. */
stoxvp_result stoxvp_mem_write(stoxvp_platform *p, uint64_t addr, const void *src, size_t len);
stoxvp_result stoxvp_mem_read(stoxvp_platform *p, uint64_t addr, void *dst, size_t len);
/* Base and size of a named region of the address map ("sram", "dram", "accelerator", ...). */
stoxvp_result stoxvp_region(const stoxvp_platform *p, const char *name, uint64_t *base,
                            uint64_t *size);

/* Host-compiled firmware: `entry(arg)` runs on the CPU when the simulation starts. */
stoxvp_result stoxvp_attach_firmware(stoxvp_platform *p, stoxvp_firmware_entry entry, void *arg);
/* Cross-compiled firmware: an RV32IMAC ELF executable, loaded into SRAM/DRAM and run from its
 * entry point by the instruction-set simulator. STOXVP_E_FIRMWARE, naming the file, the field and
 * the value, for an image that is not one (wrong machine, truncated, segments outside memory).
 * The first attach chooses host-compiled or RISC-V firmware (STOXVP_E_STATE for the other). */
stoxvp_result stoxvp_attach_elf(stoxvp_platform *p, const char *path);
/* Debugging the RISC-V firmware: listens for gdb's remote serial protocol on 127.0.0.1:port
 * (0: any free port, written to *bound_port when it is not NULL); the run then waits for gdb to
 * attach before the first instruction, and simulated time stands still while gdb holds the CPU.
 * After stoxvp_attach_elf and before the first run (STOXVP_E_STATE otherwise); STOXVP_E_IO
 * naming the address and the reason when the port cannot be listened on. */
stoxvp_result stoxvp_attach_gdb(stoxvp_platform *p, uint16_t port, uint16_t *bound_port);

/* Trace files are written to a temporary file beside their path and renamed into place by
 * stoxvp_close_outputs only when complete: an existing file of that name is replaced by a
 * complete trace or left as it was, never truncated. */
/* VCD of the accelerator's state to `path` ('.vcd' added when missing); before the first run. */
stoxvp_result stoxvp_enable_vcd(stoxvp_platform *p, const char *path);
/* Power per component group over time, as real-valued VCD signals and/or CSV (either path may
 * be NULL), in bins of the configuration's power_trace.interval_ns; before the first run. */
stoxvp_result stoxvp_enable_power_trace(stoxvp_platform *p, const char *vcd_path, const char *csv_path);
/* A timeline of the run as Chrome trace-event JSON (Perfetto, chrome://tracing): one track per
 * tile, the command processor, the layers, the DMA, each NoC link and the CPU (running, asleep,
 * in an interrupt), slices carrying their energy and counters; written by
 * stoxvp_close_outputs. Before the first run. */
stoxvp_result stoxvp_enable_timeline(stoxvp_platform *p, const char *path);
/* Finishes the VCD and the power traces and renames them into place. STOXVP_E_IO naming the
 * first file that could not be written completely (that file is removed, the previous one of
 * its name kept). No run is possible afterwards. */
stoxvp_result stoxvp_close_outputs(stoxvp_platform *p);

/* No-progress watchdog: a run stops with STOXVP_STOP_STALLED when, for window_ps of simulated
 * time, nothing was written to SRAM or DRAM, the accelerator did no work and the console
 * printed nothing (a firmware polling a device that never answers). 0 (the default): off. */
stoxvp_result stoxvp_set_stall_timeout(stoxvp_platform *p, uint64_t window_ps);
/* Asks a running stoxvp_run to stop at its next safe point (within 100 us of simulated time),
 * with STOXVP_STOP_INTERRUPTED; the platform stays usable. Async-signal-safe: meant for
 * SIGINT/SIGTERM handlers. A request made between runs stops the next run at once. */
void stoxvp_request_stop(void);

/* Runs until the firmware exits or faults, nothing is left to simulate, or time_limit_ps of
 * simulated time has passed in this call (0: no limit). A run can be resumed by calling again.
 * The result describes the stop; out may be NULL. */
stoxvp_result stoxvp_run(stoxvp_platform *p, uint64_t time_limit_ps, stoxvp_run_result *out);

stoxvp_result stoxvp_get_stats(const stoxvp_platform *p, stoxvp_stats *out);
/* The energy so far of accelerator component `index` (0, 1, ... : crossbar, row_driver, adc,
 * ...); *name is owned by the library. STOXVP_E_ARGUMENT past the last component. */
stoxvp_result stoxvp_get_component_energy(const stoxvp_platform *p, size_t index, const char **name,
                                          double *pj);
/* The ADC model the technology file selected ("isaac", ...); owned by the platform. */
const char *stoxvp_adc_model(const stoxvp_platform *p);

/* What the chip is built of, for summaries: crossbar tiles (0: the ADC model prices nothing) and
 * the spiking synaptic operations so far (counted in stoxvp_stats.accel_macs as well; an SOP is
 * one accumulate, a MAC two operations). */
typedef struct stoxvp_chip_info {
  uint32_t crossbar_tiles;
  uint32_t tile_groups;
  uint64_t accel_sops;
} stoxvp_chip_info;
stoxvp_result stoxvp_get_chip_info(const stoxvp_platform *p, stoxvp_chip_info *out);

typedef struct stoxvp_cpu_info {
  int riscv;               /* 1: the RISC-V CPU ran the firmware; 0: host-compiled firmware */
  double frequency_mhz;    /* RISC-V only, as every field below */
  uint64_t instructions;
  uint64_t interrupts_taken;
  double busy_fraction;    /* of the simulated time, not asleep */
  double host_mips;        /* simulation speed on this host */
} stoxvp_cpu_info;
stoxvp_result stoxvp_get_cpu_info(const stoxvp_platform *p, stoxvp_cpu_info *out);

/* The pipelined timing mode (ISAAC-style: layers of consecutive images overlap, each layer on
 * its own tiles), derived from the run so far, which the firmware spent on `images` images one
 * layer at a time (hw/accel/pipeline.h; docs/architecture.md). */
typedef struct stoxvp_pipeline {
  double sequential_ns;            /* per image, the layers one after the other */
  double bound_interval_ns;        /* the busiest resource's time per image */
  double interval_ns;              /* the interval achieved (>= the bound): 1 / throughput */
  double latency_ns;               /* the last of 64 images' latency, entering one bound apart */
  double throughput_images_per_s;
  char bottleneck[32];             /* "tile_3", or "shared" (vector unit, digital MACs, DMA) */
  uint32_t bottleneck_tag;         /* the first layer (descriptor tag) on the bottleneck */
} stoxvp_pipeline;
stoxvp_result stoxvp_get_pipeline(const stoxvp_platform *p, uint32_t images, stoxvp_pipeline *out);

/* What the firmware printed on the console so far (owned by the platform). */
const char *stoxvp_console_output(const stoxvp_platform *p);
/* The JSON report: effective configuration, last run, every component's statistics. Written to
 * a temporary file and renamed when complete; STOXVP_E_IO naming the file (and nothing left
 * behind) when it cannot be written, or naming the field when a number is not finite. */
stoxvp_result stoxvp_write_report(const stoxvp_platform *p, const char *path);
/* What a worker process of a run spread over processes (stoxvp --jobs, docs/architecture.md)
 * hands to the parent, as JSON text owned by the platform (valid until the next call on it or
 * stoxvp_destroy): "report", the report stoxvp_write_report would write; "exact", the figures
 * the report rounds: simulated and busy time in ps, the energy ledger's exact sums per component
 * and per layer (hw/accel/exact_sum.h), leakage per component, the bus's bytes, the CPU's
 * instructions and the technology's bus and CPU energies. Adding and subtracting these exactly
 * is how the parent reproduces the single-process report bit for bit. */
stoxvp_result stoxvp_get_merge_state(stoxvp_platform *p, const char **json_text);
/* Adds a JSON object (as text) under `key` in the report; for applications' own results. */
stoxvp_result stoxvp_report_add(stoxvp_platform *p, const char *key, const char *json_text);

/* The functional core's kernels for every platform of this process: "auto" (the best this CPU
 * runs), "scalar", "avx2" or "avx512"; every version computes the same bits. STOXVP_E_ARGUMENT
 * naming the version, and what the CPU lacks, when it cannot run here. Without a call, the
 * environment variable STOXVP_KERNELS, else auto; stoxvp_create refuses a bad STOXVP_KERNELS. */
stoxvp_result stoxvp_select_kernels(const char *name);
/* The version in use ("scalar", "avx2", "avx512"); NULL (and stoxvp_last_error says why) when
 * no version was selected and STOXVP_KERNELS names none this CPU runs. */
const char *stoxvp_active_kernels(void);

/*
 * Services for host-compiled firmware, valid only inside the firmware's entry function (they
 * run on the simulated CPU's thread). firmware/hal/hal_host.c is their only intended caller.
 * A bus error or an unmappable range stops the firmware with a fault: these functions then do
 * not return to the firmware.
 */
uint32_t stoxvp_fw_read32(uint64_t addr);
void stoxvp_fw_write32(uint64_t addr, uint32_t value);
void *stoxvp_fw_map(uint64_t addr, size_t len);
void stoxvp_fw_wait_for_interrupt(void);
/* Base address of a named region of the running platform's address map (0 if none). */
uint64_t stoxvp_fw_region_base(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* STOXVP_H */
