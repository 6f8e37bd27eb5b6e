/* SPDX-License-Identifier: MIT */
/* zokiod: the command line, as nginx users know it.
 *   zokiod [-c FILE] [-p PREFIX] [-e FILE] [-g DIRECTIVES] [-t] [-T] [-q]
 *          [-s reload|stop|quit|reopen] [-v] [-V] [-h]
 * Without -c: PREFIX/etc/zokiod/zokiod.conf (/etc/zokiod/zokiod.conf for the /usr prefix), else
 * conf/zokiod.conf under the current directory (a source checkout). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llhttp.h>
#include <mbedtls/version.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "zk_features.h"
#include "conf/config.h"
#include "server/gen.h"
#include "server/tls_conf.h"
#include "server/log.h"
#include "server/master.h"

#define ZOKIOD_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zokiod [-?hvVtTq] [-s signal] [-p prefix]\n"
            "              [-e filename] [-c filename] [-g directives]\n\n"
            "Options:\n"
            "  -?,-h         : this help\n"
            "  -v            : show version and exit\n"
            "  -V            : show version and configure options then exit\n"
            "  -t            : test configuration and exit\n"
            "  -T            : test configuration, dump it and exit\n"
            "  -q            : suppress non-error messages during configuration testing\n"
            "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
            "  -p prefix     : set prefix path (default: the directory above the config's conf/)\n"
            "  -e filename   : set error log file (default: stderr)\n"
            "  -c filename   : set configuration file (relative: to the prefix given with -p)\n"
            "  -g directives : set global directives out of configuration file\n"
            "  -r dir        : serve dir without a config file (with -l addr:port, default\n"
            "                  127.0.0.1:8080, and -m mime.types, default conf/mime.types)\n"
            "Environment: ZOKIOD_BACKEND=io_uring|epoll|auto overrides the `backend` directive.\n");
}

/* The installed config (configure's --sysconfdir), or, when there is none, a checkout's. */
static const char *default_conf(void)
{
    if (access(ZOKIOD_CONF_PATH, R_OK) == 0 || access("conf/zokiod.conf", R_OK) != 0)
        return ZOKIOD_CONF_PATH;
    return "conf/zokiod.conf";
}

static int send_signal(const zc_config_t *c, const char *name)
{
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {{"stop", SIGTERM}, {"quit", SIGQUIT}, {"reopen", SIGUSR1}, {"reload", SIGHUP}};
    int sig = 0;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (!strcmp(name, sigs[i].name)) sig = sigs[i].sig;
    FILE *f = fopen(c->pid, "r");
    if (!f) {
        fprintf(stderr, "zokiod: [error] open() \"%s\" failed (%s)\n", c->pid, strerror(errno));
        return 1;
    }
    long pid = 0;
    int ok = fscanf(f, "%ld", &pid) == 1 && pid > 0;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "zokiod: [error] invalid PID number in \"%s\"\n", c->pid);
        return 1;
    }
    if (kill((pid_t)pid, sig) < 0) {
        fprintf(stderr, "zokiod: [error] kill(%ld, %d) failed (%s)\n", pid, sig, strerror(errno));
        return 1;
    }
    return 0;
}

/* writes `s` as one quoted word of nginx syntax: conf/lexer.c reads \" and \\ back */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* `path` made absolute against `base` (the current directory when NULL), in buf; NULL when it
 * does not fit */
static const char *abs_path(char *buf, size_t cap, const char *base, const char *path)
{
    char cwd[4096];
    if (path[0] == '/') return path;
    if (!base) base = getcwd(cwd, sizeof cwd);
    if (!base) return NULL;
    int n = snprintf(buf, cap, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", path);
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

/* `-r DOCROOT [-l ADDR:PORT] [-m MIME_TYPES]`: serve a directory without a config file (a
 * one-worker configuration is written to a temporary file and loaded like any other) */
static int quick_config(char *path, size_t cap, const char *root, const char *listen_on,
                        const char *mime)
{
    char rbuf[4096], mbuf[4096];
    errno = 0; /* getcwd() sets it; a path that does not fit leaves it 0 */
    const char *abs_root = abs_path(rbuf, sizeof rbuf, NULL, root);
    const char *abs_mime = abs_path(mbuf, sizeof mbuf, NULL, mime);
    if (!abs_root || !abs_mime) {
        if (errno == 0) errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(path, cap, "/tmp/zokiod-quick-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -1;
    }
    /* the paths are quoted and escaped: a '"' or a backslash in a directory name stays itself */
    fprintf(f,
            "worker_processes 1;\nerror_log stderr notice;\npid %s.pid;\n"
            "events {\n  worker_connections 16384;\n}\nhttp {\n",
            path);
    if (access(abs_mime, R_OK) == 0) {
        fputs("  include ", f);
        put_quoted(f, abs_mime);
        fputs(";\n", f);
    }
    fprintf(f,
            "  default_type application/octet-stream;\n  access_log off;\n  server_tokens off;\n"
            "  sendfile on;\n"
            "  server {\n    listen %s default_server;\n    root ",
            listen_on);
    put_quoted(f, abs_root);
    fputs(";\n  }\n}\n", f);
    fclose(f);
    return 0;
}

/* logs/ of a fresh checkout does not exist yet: make the parent of a log or pid path */
static void make_parent(const char *path)
{
    char dir[4096];
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir) return;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    mkdir(dir, 0755);
}

/* the directories of every access log of these locations and the ones nested in them */
static void make_log_parents(const zc_location_t *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < l[i].logs.n; j++)
            make_parent(l[i].logs.paths[j]);
        make_log_parents(l[i].locations, l[i].nlocations);
    }
}

static int write_pid(const char *path)
{
    make_parent(path);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zokiod: [emerg] open() \"%s\" failed (%s)\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    return 0;
}

static void daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) return;
    if (pid > 0) _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        if (zs_log_fd() != 2) dup2(fd, 2);
        if (fd > 2) close(fd);
    }
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* -v and -V, in nginx's shape; -V also names the libraries that matter to behaviour (PCRE2's
 * version and whether it can JIT, mbedtls's) and the prefix and config path compiled in */
static void show_version(int full)
{
    fprintf(stderr, "zokiod version: zokiod/" ZOKIOD_VERSION "\n");
    if (!full) return;
#if defined(__clang__)
    fprintf(stderr, "built by clang " __clang_version__ "\n");
#elif defined(__GNUC__)
    fprintf(stderr, "built by gcc " __VERSION__ "\n");
#endif
    char pcre[64] = "?";
    uint32_t jit = 0;
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    fprintf(stderr,
            "built with liburing%s%s, llhttp %d.%d.%d, PCRE2 %s%s, mbedtls " MBEDTLS_VERSION_STRING
            "; prefix " ZOKIOD_PREFIX ", config " ZOKIOD_CONF_PATH "\n",
            ZOKIOD_LIBURING_VERSION[0] ? " " : "", ZOKIOD_LIBURING_VERSION, LLHTTP_VERSION_MAJOR,
            LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH, pcre, jit ? " (JIT)" : "");
    fprintf(stderr, "configure arguments:%s%s\n", ZOKIOD_CONFIGURE_ARGS[0] ? " " : "",
            ZOKIOD_CONFIGURE_ARGS);
}

/* -T: every file of the configuration, as nginx prints them */
static void dump_config(const zc_config_t *c)
{
    for (size_t i = 0; i < c->nsources; i++) {
        printf("# configuration file %s:\n", c->sources[i].path);
        fwrite(c->sources[i].text, 1, c->sources[i].len, stdout);
        putchar('\n');
    }
    fflush(stdout);
}

typedef struct cli {
    const char *conf_file, *prefix, *sig, *elog, *params;
    const char *root, *listen_on, *mime;
    int test, dump, quiet;
} cli_t;

/* returns -1 to go on, else the exit status */
static int parse_cli(cli_t *o, int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "c:p:s:e:g:tTqvVh?r:l:m:")) != -1) {
        switch (opt) {
        case 'r': o->root = optarg; break;
        case 'l': o->listen_on = optarg; break;
        case 'm': o->mime = optarg; break;
        case 'c': o->conf_file = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 's': o->sig = optarg; break;
        case 'e': o->elog = optarg; break;
        case 'g': o->params = optarg; break;
        case 'T': o->dump = o->test = 1; break; /* -t that also prints the files */
        case 't': o->test = 1; break;
        case 'q': o->quiet = 1; break;
        case 'v':
        case 'V': show_version(opt == 'V'); return 0;
        case 'h':
        case '?': usage(opt == 'h' ? stdout : stderr); return opt == 'h' ? 0 : 1;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "zokiod: invalid option: \"%s\"\n", argv[optind]);
        return 1;
    }
    if (o->sig && strcmp(o->sig, "stop") && strcmp(o->sig, "quit") && strcmp(o->sig, "reopen") &&
        strcmp(o->sig, "reload")) {
        fprintf(stderr, "zokiod: invalid option: \"-s %s\"\n", o->sig);
        return 1;
    }
    return -1;
}

/* -e: the error log before the configuration is read (and the configuration's error log when it
 * names none); a relative path is taken against -p, else the current directory */
static const char *startup_log(const cli_t *o, char *buf, size_t cap, int *in_file)
{
    *in_file = 0;
    if (!o->elog) return NULL;
    if (!strcmp(o->elog, "stderr")) return "stderr";
    const char *path = abs_path(buf, cap, o->prefix, o->elog);
    int r = path ? zs_log_open(path, ZS_LOG_NOTICE) : -ENAMETOOLONG;
    if (r < 0)
        fprintf(stderr,
                "zokiod: [alert] could not open error log file: open() \"%s\" failed (%s)\n",
                o->elog, strerror(-r));
    *in_file = r == 0;
    return path ? path : o->elog;
}

int main(int argc, char **argv)
{
    cli_t o = {.listen_on = "127.0.0.1:8080", .mime = "conf/mime.types"};
    int rc = parse_cli(&o, argc, argv);
    if (rc >= 0) return rc;
    char err[1024], ebuf[4096], cbuf[4096];
    if (zs_backend_env_check(err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int echo; /* the startup log is a file: warnings go there, and to stderr too */
    const char *elog = startup_log(&o, ebuf, sizeof ebuf, &echo);
    char quick[64] = "";
    const char *conf_file = o.conf_file;
    if (o.root) {
        if (quick_config(quick, sizeof quick, o.root, o.listen_on, o.mime) < 0) {
            fprintf(stderr, "zokiod: cannot write a temporary config: %s\n", strerror(errno));
            return 1;
        }
        conf_file = quick;
    }
    if (!conf_file) conf_file = default_conf();
    /* as nginx: a relative -c is taken against -p (without -p, against the current directory:
     * zokiod's default prefix follows from where the file is) */
    if (o.prefix && conf_file[0] != '/' &&
        !(conf_file = abs_path(cbuf, sizeof cbuf, o.prefix, conf_file))) {
        fprintf(stderr, "zokiod: -p and -c make too long a path\n");
        return 1;
    }
    zc_config_t conf;
    zc_load_opts_t lo = {o.prefix, o.params, elog};
    int lr = zc_config_load_opts(&conf, conf_file, &lo, err, sizeof err);
    /* -r: a reload (HUP) reads the quick configuration again, so it lives as long as the master */
    if (quick[0] && (lr < 0 || o.test || o.sig)) unlink(quick);
    if (lr == 0 && zs_gen_check(&conf, err, sizeof err) < 0) {
        zc_config_free(&conf);
        lr = -1;
    }
    if (lr < 0) {
        fprintf(stderr, "%s\n", err);
        if (echo) zs_log(ZS_LOG_EMERG, "%s", strncmp(err, "zokiod: ", 8) ? err : err + 8);
        if (o.test) fprintf(stderr, "zokiod: configuration file %s test failed\n", conf_file);
        return 1;
    }
    if (!o.test || !o.quiet) zs_gen_log_notes(&conf, echo);
    if (o.test) {
        zs_gen_warn_roots(&conf);
        char tlsw[512];
        if (zs_tls_warning(&conf, tlsw, sizeof tlsw)) fprintf(stderr, "zokiod: [warn] %s\n", tlsw);
        if (!o.quiet) {
            fprintf(stderr, "zokiod: the configuration file %s syntax is ok\n", conf.conf_file);
            fprintf(stderr, "zokiod: configuration file %s test is successful\n", conf.conf_file);
        }
        if (o.dump) dump_config(&conf);
        zc_config_free(&conf);
        return 0;
    }
    if (o.sig) {
        int r = send_signal(&conf, o.sig);
        zc_config_free(&conf);
        return r;
    }
    raise_nofile();
    int level = zs_level_parse(conf.error_log_level ? conf.error_log_level : "error");
    make_parent(conf.error_log);
    if (zs_log_open(conf.error_log, level < 0 ? ZS_LOG_ERR : level) < 0)
        fprintf(stderr, "zokiod: [alert] could not open error log \"%s\": using stderr\n",
                conf.error_log);
    for (size_t i = 0; i < conf.http.nservers; i++) {
        const zc_server_t *sv = &conf.http.servers[i];
        for (size_t j = 0; j < sv->logs.n; j++)
            make_parent(sv->logs.paths[j]);
        make_log_parents(sv->locations, sv->nlocations);
    }
    zs_gen_t *gen = calloc(1, sizeof *gen);
    static const char server_header[] = "zokiod/" ZOKIOD_VERSION; /* server_tokens on */
    int daemon_on = conf.daemon;
    if (!gen || zs_gen_build(gen, &conf, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", gen ? err : "zokiod: out of memory");
        zs_log(ZS_LOG_EMERG, "%s", gen ? err : "out of memory");
        if (quick[0]) unlink(quick);
        return 1;
    }
    if (daemon_on) daemonize();
    if (write_pid(gen->conf.pid) < 0) {
        if (quick[0]) unlink(quick);
        return 1;
    }
    char *pid_path = strdup(gen->conf.pid);
    zs_log(ZS_LOG_NOTICE, "zokiod/" ZOKIOD_VERSION " started, configuration %s",
           gen->conf.conf_file);
    zs_master_opts_t mo = {
        .conf_file = conf_file, .load = {o.prefix, o.params, elog}, .server_header = server_header};
    rc = zs_master_run(gen, &mo);
    if (quick[0]) unlink(quick);
    if (pid_path) unlink(pid_path);
    free(pid_path);
    return rc;
}
