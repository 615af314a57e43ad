/* Every unit test, declared once and listed for the runner. */
#ifndef CL_UNIT_TESTS_H
#define CL_UNIT_TESTS_H

/* One entry a line: a test is added by a line here and its declaration. */
void test_ref_valid (void);
void test_ref_invalid (void);
void test_ref_normalise (void);
void test_ref_transports (void);
void test_digest (void);
void test_clean_path (void);
void test_manifest_parse (void);
void test_platform_select (void);
void test_image_config (void);
void test_base64 (void);
void test_spec_args (void);
void test_spec_env (void);
void test_spec_user (void);
void test_bundle_roundtrip (void);
void test_bundle_refused (void);
void test_blkio_parse (void);
void test_logfmt_parse (void);
void test_logfmt_when (void);
void test_log_writer (void);
void test_exitrec (void);
void test_template (void);
void test_template_json_fields (void);
void test_template_json_actions (void);
void test_template_json_errors (void);
void test_detach_keys (void);
void test_pty_buf (void);
void test_restart_policy (void);
void test_spec_caps_ulimits (void);
void test_spec_privileged (void);
void test_etc_resolv (void);
void test_etc_hosts (void);
void test_json_depth (void);
void test_open_beneath (void);
void test_mounts_volume (void);
void test_mounts_mount (void);
void test_volume_names (void);
void test_mounts_image_volumes (void);
void test_flatten_subtree (void);
void test_seccomp_default (void);
void test_seccomp_caps (void);
void test_seccomp_every_number (void);
void test_seccomp_args (void);
void test_seccomp_profile (void);
void test_alloc_classes (void);
void test_alloc_random (void);
void test_alloc_aligned (void);
void test_alloc_threads (void);
void test_sha256_nist (void);
void test_sha256_vs_openssl (void);
void test_sha256_speed (void);
void test_netlink_veth (void);
void test_netlink_nft_batch (void);
void test_net_publish (void);
void test_net_ipam (void);
void test_net_ipam_gateway (void);
void test_netlink_nft_isolate (void);
void test_netrec_names (void);
void test_netrec_cidr (void);
void test_netrec_config (void);
void test_netsup_classify (void);
void test_seccomp_netnotify (void);
void test_seccomp_runc_rules (void);
void test_cgroup_layout (void);
void test_cgroup_weight (void);
void test_copy_split (void);
void test_copy_tar_refusals (void);
void test_ignore_docker_matches (void);
void test_ignore_docker_exceptions (void);
void test_ignore_go_match (void);
void test_ignore_file (void);
void test_ignore_many_stars (void);
void test_context_parse (void);
void test_cnb_default_process (void);
void test_unpack_limits (void);
void test_treehash (void);
void test_cgdeleg_path (void);
void test_resflags_run (void);
void test_resflags_merge (void);
void test_devcgroup_program (void);
void test_devcgroup_v1 (void);
void test_devcgroup_allows_all (void);

#define UNIT_TESTS                                                                                 \
  { "ref_valid", test_ref_valid }, { "ref_invalid", test_ref_invalid },                            \
      { "ref_normalise", test_ref_normalise }, { "ref_transports", test_ref_transports },          \
      { "digest", test_digest }, { "clean_path", test_clean_path },                                \
      { "manifest_parse", test_manifest_parse }, { "platform_select", test_platform_select },      \
      { "image_config", test_image_config }, { "base64", test_base64 },                            \
      { "spec_args", test_spec_args }, { "spec_env", test_spec_env },                              \
      { "spec_user", test_spec_user }, { "bundle_roundtrip", test_bundle_roundtrip },              \
      { "bundle_refused", test_bundle_refused }, { "blkio_parse", test_blkio_parse },              \
      { "logfmt_parse", test_logfmt_parse }, { "logfmt_when", test_logfmt_when },                  \
      { "log_writer", test_log_writer }, { "exitrec", test_exitrec },                              \
      { "template", test_template }, { "template_json_fields", test_template_json_fields },        \
      { "template_json_actions", test_template_json_actions },                                     \
      { "template_json_errors", test_template_json_errors }, { "detach_keys", test_detach_keys },  \
      { "pty_buf", test_pty_buf }, { "restart_policy", test_restart_policy },                      \
      { "spec_caps_ulimits", test_spec_caps_ulimits },                                             \
      { "spec_privileged", test_spec_privileged }, { "etc_resolv", test_etc_resolv },              \
      { "etc_hosts", test_etc_hosts }, { "json_depth", test_json_depth },                          \
      { "open_beneath", test_open_beneath }, { "mounts_volume", test_mounts_volume },              \
      { "mounts_mount", test_mounts_mount }, { "volume_names", test_volume_names },                \
      { "mounts_image_volumes", test_mounts_image_volumes },                                       \
      { "flatten_subtree", test_flatten_subtree }, { "seccomp_default", test_seccomp_default },    \
      { "seccomp_caps", test_seccomp_caps },                                                       \
      { "seccomp_every_number", test_seccomp_every_number },                                       \
      { "seccomp_args", test_seccomp_args }, { "seccomp_profile", test_seccomp_profile },          \
      { "alloc_classes", test_alloc_classes }, { "alloc_random", test_alloc_random },              \
      { "alloc_aligned", test_alloc_aligned }, { "alloc_threads", test_alloc_threads },            \
      { "sha256_nist", test_sha256_nist }, { "sha256_vs_openssl", test_sha256_vs_openssl },        \
      { "sha256_speed", test_sha256_speed }, { "netlink_veth", test_netlink_veth },                \
      { "netlink_nft_batch", test_netlink_nft_batch }, { "net_publish", test_net_publish },        \
      { "net_ipam", test_net_ipam }, { "net_ipam_gateway", test_net_ipam_gateway },                \
      { "netlink_nft_isolate", test_netlink_nft_isolate }, { "netrec_names", test_netrec_names },  \
      { "netrec_cidr", test_netrec_cidr }, { "netrec_config", test_netrec_config },                \
      { "netsup_classify", test_netsup_classify },                                                 \
      { "seccomp_netnotify", test_seccomp_netnotify },                                             \
      { "seccomp_runc_rules", test_seccomp_runc_rules }, { "cgroup_layout", test_cgroup_layout },  \
      { "cgroup_weight", test_cgroup_weight }, { "copy_split", test_copy_split },                  \
      { "copy_tar_refusals", test_copy_tar_refusals },                                             \
      { "ignore_docker_matches", test_ignore_docker_matches },                                     \
      { "ignore_docker_exceptions", test_ignore_docker_exceptions },                               \
      { "ignore_go_match", test_ignore_go_match }, { "ignore_file", test_ignore_file },            \
      { "ignore_many_stars", test_ignore_many_stars }, { "context_parse", test_context_parse },    \
      { "cnb_default_process", test_cnb_default_process },                                         \
      { "unpack_limits", test_unpack_limits }, { "treehash", test_treehash },                      \
      { "cgdeleg_path", test_cgdeleg_path }, { "resflags_run", test_resflags_run },                \
      { "resflags_merge", test_resflags_merge }, { "devcgroup_program", test_devcgroup_program },  \
      { "devcgroup_v1", test_devcgroup_v1 },                                                       \
      { "devcgroup_allows_all", test_devcgroup_allows_all },

#endif
