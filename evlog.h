/* The store's event log, events.log in its root: one JSON object a line,
   in podman's shape ({"ID","Image","Name","Status","Time","Type",
   "timeNano"}), appended by every command that creates, starts, ends or
   removes a container or pulls, tags or removes an image — there is no
   daemon to tell.  `events` reads and follows it.  Plain libc: the
   monitor appends "died". */
#ifndef CL_EVLOG_H
#define CL_EVLOG_H

#define EVLOG_FILE "events.log"
/* The log as seen from a container's directory, containers/<id>/. */
#define EVLOG_FROM_CONTAINER "../../" EVLOG_FILE

/* Append one event to dirfd/path (best effort: an event lost must not
   fail the command); any string may be NULL. */
void evlog_append (int dirfd, const char *path, const char *type, const char *status,
                   const char *id, const char *name, const char *image);

#endif
