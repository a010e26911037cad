/* The asc driver's commands.  Each lives in its own cmd_*.c file; adding one
 * is that file plus one line in the table of asc_main.c.  A command gets the
 * arguments after its name and returns the exit status (0 ok, 1 bad input,
 * 2 bad usage). */
#ifndef ASC_COMMANDS_H
#define ASC_COMMANDS_H

int cmd_features(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

/* Shared by commands: "asc: MESSAGE" on stderr, returns the status given. */
int cmd_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
