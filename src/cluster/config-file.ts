/** The cluster definition's file name: in the current directory, or beside the generated stack. */
export const CLUSTER_CONFIG_FILE = "c2ts.config.ts";
