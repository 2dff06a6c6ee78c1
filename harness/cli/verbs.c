/* SPDX-License-Identifier: MIT */
/* The one verb table: main() dispatches from it, cli/man.c documents it. */
#include "bench/bench.h"
#include "cli/cmds.h"
#include "core/cleanup.h"

const struct vcl_verb vcl_verbs[] = {
    {"doctor", vcl_cmd_doctor, "print the host facts results depend on", &vcl_doctor_optset, false},
    {"bench", vcl_cmd_bench, "launch bare/ctr/vm instances and measure them", &vcl_bench_optset,
     false},
    {"report", vcl_cmd_report, "write report.md, report.html and plots from results",
     &vcl_report_optset, false},
    {"advise", vcl_cmd_advise, "recommend vm, ctr or bare for each service", &vcl_advise_optset,
     false},
    {"check", vcl_cmd_check, "gate results against a baseline (CI)", &vcl_check_optset, false},
    {"baseline", vcl_cmd_baseline, "derive a baseline from one or more runs", &vcl_baseline_optset,
     false},
    {"export", vcl_cmd_export, "write results as OpenMetrics, hyperfine JSON or CSV",
     &vcl_export_optset, false},
    {"calibrate", vcl_cmd_calibrate, "measure the A/A noise floor and the probe floor alone",
     &vcl_calibrate_optset, false},
    {"gc", vcl_cmd_gc, "remove what crashed runs left behind", &vcl_gc_optset, false},
    /* Build-time generators (make man, make completion). */
    {"__man", vcl_cmd_man, "write a man page", NULL, true},
    {"__completion", vcl_cmd_completion, "write the bash completion", NULL, true},
};

const size_t vcl_nverbs = ARRAY_SIZE(vcl_verbs);
