#ifndef LIKENESS_CHDF5_SHIM_H
#define LIKENESS_CHDF5_SHIM_H
#include <hdf5.h>

/*
 * HDF5 spells many of its constants as macros that expand to casts, to calls of H5open(),
 * or to global variables read after it: Swift imports none of them. These accessors give
 * each one a name Swift can call. Only LikenessHDF5 uses them.
 */

/* Default property lists, error stack and selections. */
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hsize_t chdf5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t chdf5_t_variable(void) { return H5T_VARIABLE; }

/* Every open object of every file, for H5Fget_obj_count. */
static inline unsigned chdf5_f_obj_all(void) { return H5F_OBJ_ALL; }

/* File access flags. */
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned chdf5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void) { return H5F_ACC_EXCL; }

/* Property list classes. */
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }

/* Native (in-memory) element types, and the C string type variable-length strings derive from. */
static inline hid_t chdf5_t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_t_c_s1(void) { return H5T_C_S1; }

#endif
